// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tests write the configuration's own ${VAR} syntax
/** `hearth mcp list|add|remove|test` in a temp HOME and project, with the stub MCP server as a real process. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { runMcpCommand } from "./mcp-command.ts";

const STUB = join(import.meta.dirname, "../../test/fixtures/mcp-stub-server.mjs");

function fresh() {
  const root = mkdtempSync(join(tmpdir(), "hearth-mcp-cmd-"));
  const project = join(root, "project");
  mkdirSync(project);
  const env = {
    PATH: process.env.PATH,
    HOME: root,
    XDG_CONFIG_HOME: join(root, "config"),
    XDG_STATE_HOME: join(root, "state"),
    XDG_DATA_HOME: join(root, "data"),
  };
  const mcp = async (...args: string[]) => {
    let stdout = "";
    let stderr = "";
    const code = await runMcpCommand(["--cwd", project, ...args], env, {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    });
    return { code, stdout, stderr };
  };
  return { project, env, mcp, settings: join(root, "config", "hearth", "settings.json") };
}

describe("hearth mcp", () => {
  it("add writes Claude Code's format to the user's settings; a taken name is refused; remove takes it out", async () => {
    const { mcp, settings } = fresh();
    const added = await mcp("add", "stub", "-e", "TOKEN=${MY_TOKEN}", "--", process.execPath, STUB, "ok");
    assert.equal(added.code, EXIT_OK, added.stderr);
    assert.match(added.stdout, /added MCP server "stub" \(stdio: .* ok\) to .*settings\.json/);
    const written = JSON.parse(readFileSync(settings, "utf8"));
    assert.deepEqual(written.mcpServers.stub, {
      command: process.execPath,
      args: [STUB, "ok"],
      env: { TOKEN: "${MY_TOKEN}" },
    });
    const again = await mcp("add", "stub", "--", "other");
    assert.equal(again.code, EXIT_FAILED);
    assert.match(again.stderr, /already has an MCP server "stub": remove it first/);
    const http = await mcp(
      "add",
      "api",
      "--transport",
      "http",
      "https://x.example/mcp",
      "-H",
      "Authorization: Bearer ${T}",
    );
    assert.equal(http.code, EXIT_OK, http.stderr);
    assert.deepEqual(JSON.parse(readFileSync(settings, "utf8")).mcpServers.api, {
      type: "http",
      url: "https://x.example/mcp",
      headers: { Authorization: "Bearer ${T}" },
    });
    const listed = await mcp("list");
    assert.match(listed.stdout, /^stub +stdio: .*\n^api +http: https:\/\/x\.example\/mcp/m);
    assert.equal((await mcp("remove", "stub")).code, EXIT_OK);
    assert.equal(JSON.parse(readFileSync(settings, "utf8")).mcpServers.stub, undefined);
    const missing = await mcp("remove", "stub");
    assert.equal(missing.code, EXIT_FAILED);
    assert.match(
      missing.stderr,
      /no MCP server "stub" in .*settings\.json \(see hearth mcp list; or try --scope project\)/,
    );
  });

  it("bad input is a usage error that says what to do", async () => {
    const { mcp } = fresh();
    for (const [args, expected] of [
      [["add", "x", "--transport", "carrier-pigeon", "y"], /--transport must be stdio, http or sse/],
      [["add", "x", "--transport", "http", "not a url"], /not a valid server: url: must be an http\(s\) URL/],
      [["add", "x", "-e", "NOEQUALS", "--", "cmd"], /--env takes NAME=VALUE/],
      [["add", "x"], /say the name and the command or URL/],
      [["test", "nothing"], /no MCP server "nothing" \(servers here: none; see hearth mcp list\)/],
      [["frobnicate"], /unknown mcp command "frobnicate"/],
      [["list", "--scope", "team"], /--scope must be user or project/],
    ] as const) {
      const r = await mcp(...args);
      assert.equal(r.code, EXIT_USAGE, args.join(" "));
      assert.match(r.stderr, expected);
    }
  });

  it("test starts the server and lists its tools with their effects and schemas; a server that fails says why", async () => {
    const { mcp } = fresh();
    await mcp("add", "stub", "--", process.execPath, STUB, "ok");
    await mcp("add", "gone", "--", process.execPath, STUB, "exit-start");
    const r = await mcp("test", "stub");
    assert.equal(r.code, EXIT_OK, r.stderr);
    assert.match(r.stdout, /^stub: started in \d+ ms/m);
    assert.match(r.stdout, /^3 tools, \d+ bytes of tool definitions/m);
    assert.match(
      r.stdout,
      /^mcp__stub__echo {2}\[read-only\] {2}\d+ bytes\n {2}Echoes its text back\.\n {2}\{"type":"object","properties":\{"text":\{"type":"string"\}\},"required":\["text"\]\}/m,
    );
    assert.match(r.stdout, /^mcp__stub__crash {2}\[unknown\]/m);
    const json = JSON.parse((await mcp("test", "stub", "--json")).stdout);
    assert.deepEqual(
      json.tools.map((t: { name: string }) => t.name),
      ["mcp__stub__echo", "mcp__stub__crash", "mcp__stub__hang"],
    );
    const gone = await mcp("test", "gone");
    assert.equal(gone.code, EXIT_FAILED);
    assert.match(gone.stderr, /gone: stub server \(exit-start\) started/);
    assert.match(gone.stderr, /MCP server "gone" did not start: /);
  });

  it("a project server goes to .mcp.json (0644, to be shared) and is not started before hearth trust", async () => {
    const { mcp, project } = fresh();
    const added = await mcp("add", "--scope", "project", "repo", "--", process.execPath, STUB, "ok");
    assert.equal(added.code, EXIT_OK, added.stderr);
    assert.match(added.stdout, /it starts once you trust this folder as it is now: hearth trust/);
    assert.equal(statSync(join(project, ".mcp.json")).mode & 0o777, 0o644);
    const listed = await mcp("list");
    assert.match(listed.stdout, /^repo +stdio: .*\(\.mcp\.json\) {2}\[not started: folder not trusted\]/m);
    const test = await mcp("test", "repo");
    assert.equal(test.code, EXIT_FAILED);
    assert.match(
      test.stderr,
      /"repo" comes from \.mcp\.json and this folder is not trusted, so it is not started: review \.mcp\.json, then run hearth trust/,
    );
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tests write the configuration's own ${VAR} syntax
/** Which servers a folder's run may start: sources, trust, names, broken files, `${VAR}` expansion. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { clientServers, gatherMcpServers, serverName, untrustedNotice } from "./mcp-config.ts";
import { expandVariables, httpTarget, stdioLaunch } from "./server-launch.ts";

function project(mcpJson?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-mcp-config-"));
  if (mcpJson !== undefined) writeFileSync(join(dir, ".mcp.json"), mcpJson);
  return dir;
}

const gather = (cwd: string, extra: Partial<Parameters<typeof gatherMcpServers>[0]> = {}) =>
  gatherMcpServers({
    cwd,
    userLabel: "user settings",
    projectLabel: ".hearth/settings.json",
    projectTrusted: false,
    ...extra,
  });

describe("gatherMcpServers", () => {
  it("reads Claude Code's .mcp.json; its servers wait for trust, the user's start", () => {
    const cwd = project(
      JSON.stringify({ mcpServers: { github: { type: "http", url: "https://api.example/mcp" } } }),
    );
    const found = gather(cwd, { user: { fs: { command: "mcp-fs" } } });
    assert.deepEqual(
      found.servers.map((s) => [s.name, s.source]),
      [["fs", "user"]],
    );
    assert.deepEqual(
      found.untrusted.map((s) => [s.name, s.origin]),
      [["github", ".mcp.json"]],
    );
    assert.match(
      untrustedNotice(found.untrusted) ?? "",
      /\.mcp\.json asks for MCP server github; not started: this folder is not trusted \(review \.mcp\.json, then run `hearth trust`\)/,
    );
    const trusted = gather(cwd, { projectTrusted: true, user: { github: { command: "old" } } });
    assert.deepEqual(
      trusted.servers.map((s) => [s.name, s.source]),
      [["github", "project"]],
      "the project wins a name",
    );
  });

  it("the servers a client hands in win, and a broken one is a problem, not a crash", () => {
    const found = gather(project(), {
      user: { fs: { command: "mine" } },
      client: [
        { name: "fs", config: { command: "theirs" } },
        { name: "bad", config: { type: "http", url: "ftp://x" } as never },
      ],
    });
    assert.deepEqual(
      found.servers.map((s) => [s.name, "command" in s.config && s.config.command]),
      [["fs", "theirs"]],
    );
    assert.match(found.problems.join("\n"), /the client's MCP server "bad": url: must be an http\(s\) URL/);
  });

  it("a broken .mcp.json is one line that says what to do, and starts nothing", () => {
    for (const [text, expected] of [
      [
        "{ not json",
        /\.mcp\.json: invalid JSON \(.*\); fix it or move it aside: its servers are not started/,
      ],
      [
        '{"mcpServers": {"x": {"url": "http://h/mcp"}}}',
        /\.mcp\.json: mcpServers\.x: expected \{"command": "\.\.\.", "args": \[\.\.\.\]\} or \{"type": "http" \| "sse", "url": "\.\.\."\}/,
      ],
      ['{"mcpServers": {"x": {"command": ""}}}', /mcpServers\.x/],
    ] as const) {
      const found = gather(project(text), { projectTrusted: true });
      assert.deepEqual(found.servers, []);
      assert.match(found.problems.join("\n"), expected);
    }
  });

  it("names become what tool names allow", () => {
    assert.equal(serverName("my.server"), "my_server");
    assert.equal(serverName("a__b"), "a_b");
    assert.equal(serverName("__"), "");
    assert.equal(serverName("git-hub_2"), "git-hub_2");
  });
});

describe("server launch", () => {
  it("expands ${VAR} and ${VAR:-default}; an unset variable without a default is a problem", () => {
    const env = { HOST: "h", EMPTY: "" };
    assert.deepEqual(expandVariables("http://${HOST}/${PATH_PART:-mcp}", env, "url"), {
      value: "http://h/mcp",
    });
    assert.deepEqual(expandVariables("$HOST ${EMPTY:-d}", env, "x"), { value: "$HOST d" });
    assert.deepEqual(expandVariables("${NOPE}", env, "env.TOKEN"), {
      problem: "env.TOKEN uses ${NOPE}, which is not set: set it, or write ${NOPE:-default}",
    });
  });

  it("a stdio server gets the scrubbed environment plus its own variables; secrets named are learnt", () => {
    const launch = stdioLaunch(
      {
        command: "srv",
        args: ["--token", "${API_TOKEN}"],
        env: { SERVICE_TOKEN: "${API_TOKEN}", MODE: "fast" },
        cwd: "sub",
      },
      { env: { API_TOKEN: "t0k3n-value-123456", PATH: "/bin" }, scrubbedEnv: { PATH: "/bin" }, cwd: "/w" },
    );
    assert.ok(!("problem" in launch));
    assert.deepEqual(launch.env, { PATH: "/bin", SERVICE_TOKEN: "t0k3n-value-123456", MODE: "fast" });
    assert.deepEqual(launch.args, ["--token", "t0k3n-value-123456"]);
    assert.equal(launch.cwd, "/w/sub");
    assert.deepEqual(launch.secrets, ["t0k3n-value-123456"]);
  });

  it("credential headers are learnt as secrets", () => {
    const target = httpTarget(
      { type: "http", url: "https://x/mcp", headers: { Authorization: "Bearer ${T}", Accept: "text/plain" } },
      { T: "abc" },
    );
    assert.ok(!("problem" in target));
    assert.deepEqual(target.secrets, ["Bearer abc"]);
  });
});

describe("clientServers", () => {
  it("turns an ACP client's list into configurations whose values are not expanded", () => {
    const list = clientServers([
      { name: "fs", command: "mcp-fs", args: ["${HOME}"], env: [{ name: "K", value: "${SECRET}" }] },
      {
        type: "http",
        name: "api",
        url: "https://x/mcp",
        headers: [{ name: "Authorization", value: "Bearer t" }],
      },
    ]);
    assert.deepEqual(list, [
      { name: "fs", config: { command: "mcp-fs", args: ["${HOME}"], env: { K: "${SECRET}" } } },
      { name: "api", config: { type: "http", url: "https://x/mcp", headers: { Authorization: "Bearer t" } } },
    ]);
    const found = gather(project(), { client: list });
    assert.deepEqual(
      found.servers.map((s) => [s.name, s.source]),
      [
        ["fs", "client"],
        ["api", "client"],
      ],
    );
    const launch = stdioLaunch(found.servers[0].config as never, {
      env: {},
      scrubbedEnv: {},
      cwd: "/w",
      literal: true,
    });
    assert.ok(!("problem" in launch));
    assert.deepEqual([launch.args, launch.env], [["${HOME}"], { K: "${SECRET}" }]);
  });
});

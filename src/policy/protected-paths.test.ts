import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { HOME_PROTECTED, protectedPathReason, WORKSPACE_PROTECTED } from "./protected-paths.ts";

const HOME = join("/", "home", "u");
const ROOT = join(HOME, "proj");
const context = { home: HOME };

describe("protectedPathReason", () => {
  const cases: Array<[string, string | null]> = [
    [join(ROOT, ".git", "hooks", "pre-commit"), "a git hook (.git/hooks/pre-commit)"],
    [join(ROOT, ".git", "config"), "the repository's git config (.git/config)"],
    [join(ROOT, ".git", "HEAD"), "git internals (.git/HEAD)"],
    [join(ROOT, ".git"), "git internals (.git)"],
    [join(ROOT, "vendor", "lib", ".git", "hooks", "post-checkout"), "a git hook (.git/hooks/post-checkout)"],
    [join(ROOT, ".GIT", "hooks", "pre-push"), "a git hook (.GIT/hooks/pre-push)"],
    [join(ROOT, ".hearth", "settings.json"), "hearth project settings (.hearth/settings.json)"],
    [
      join(HOME, ".config", "hearth", "trusted-folders.json"),
      `hearth's own settings (${join(HOME, ".config", "hearth", "trusted-folders.json")})`,
    ],
    [join(HOME, ".bashrc"), "a shell start-up file (~/.bashrc)"],
    [join(HOME, ".zshrc"), "a shell start-up file (~/.zshrc)"],
    [join(HOME, ".profile"), "a shell start-up file (~/.profile)"],
    [join(HOME, ".bash_profile"), "a shell start-up file (~/.bash_profile)"],
    [join(HOME, ".config", "fish", "config.fish"), "a fish start-up file (~/.config/fish/config.fish)"],
    [
      join(HOME, ".config", "fish", "conf.d", "x.fish"),
      "a fish start-up file (~/.config/fish/conf.d/x.fish)",
    ],
    [join(HOME, ".ssh", "authorized_keys"), "ssh keys and config (~/.ssh/authorized_keys)"],
    [join(HOME, ".gitconfig"), "the global git config (~/.gitconfig)"],
    [join(ROOT, ".envrc"), `a direnv script that runs on cd (${join(ROOT, ".envrc")})`],
    [join(ROOT, ".mcp.json"), "MCP server settings, which start programs (.mcp.json)"],
    [join(ROOT, ".vscode", "tasks.json"), "VS Code workspace settings and tasks (.vscode/tasks.json)"],
    [
      join(ROOT, ".idea", "workspace.xml"),
      "JetBrains project settings and run configurations (.idea/workspace.xml)",
    ],
    [join(ROOT, ".claude", "settings.json"), "Claude Code settings, which run hooks (.claude/settings.json)"],
    [
      join(ROOT, "sub", ".Claude", "settings.local.json"),
      "Claude Code settings, which run hooks (.Claude/settings.local.json)",
    ],
    [join(ROOT, ".claude", "commands", "review.md"), null],
    [join(ROOT, "docs", "vscode.md"), null],
    [join(ROOT, ".gitignore"), null],
    [join(ROOT, ".github", "workflows", "ci.yml"), null],
    [join(ROOT, "src", "hooks", "config"), null],
    [join(ROOT, ".bashrc"), null],
    [join(HOME, "notes.txt"), null],
    [join(HOME, ".config", "nvim", "init.lua"), null],
    [join("/", "etc", "hosts"), null],
  ];
  for (const [path, expected] of cases) {
    it(`${path} -> ${expected}`, () => assert.equal(protectedPathReason(path, context), expected));
  }

  it("refuses every name the command sandbox keeps read-only (one list for both)", () => {
    for (const entry of WORKSPACE_PROTECTED) {
      assert.notEqual(protectedPathReason(join(ROOT, ...entry.path.split("/")), context), null, entry.path);
    }
    for (const entry of HOME_PROTECTED) {
      assert.notEqual(protectedPathReason(join(HOME, ...entry.path.split("/")), context), null, entry.path);
    }
  });

  it("uses the given config dir for hearth's own files", () => {
    const configDir = join("/", "xdg", "hearth");
    assert.match(
      protectedPathReason(join(configDir, "settings.json"), { home: HOME, configDir }) ?? "",
      /hearth's own/,
    );
    assert.equal(protectedPathReason(join(HOME, ".config", "hearth", "x"), { home: HOME, configDir }), null);
  });
});

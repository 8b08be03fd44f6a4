import assert from "node:assert/strict";
import { test } from "node:test";
import { buildSystemPrompt, type PromptEnvironment } from "./system-prompt.ts";

const env: PromptEnvironment = {
  cwd: "/home/dev/project",
  platform: "linux x64",
  date: "2026-05-01",
  isGitRepo: true,
  permissionMode: "ask",
};

test("both profiles state the environment; lean is much shorter than default", () => {
  const lean = buildSystemPrompt(env, { profile: "lean" });
  const full = buildSystemPrompt(env, { profile: "default" });
  for (const prompt of [lean, full]) {
    assert.match(prompt, /- Workspace: \/home\/dev\/project \(in a git repository\)\n/);
    assert.match(prompt, /- Date: 2026-05-01\n- Permission mode: ask$/);
  }
  assert.ok(Buffer.byteLength(lean) * 1.5 < Buffer.byteLength(full), `${lean.length} vs ${full.length}`);
  assert.equal(buildSystemPrompt(env), full, "default is the default");
});

test("plan mode is spelled out as read-only", () => {
  const prompt = buildSystemPrompt({ ...env, permissionMode: "plan" }, { profile: "lean" });
  assert.match(
    prompt,
    /Permission mode: plan \(read-only: investigate and propose, do not change anything\)/,
  );
});

test("memory files follow in order, each labelled with its path; blank ones are left out", () => {
  const prompt = buildSystemPrompt(env, {
    profile: "lean",
    memory: [
      { path: "/home/u/.config/hearth/AGENTS.md", content: "Answer in French.\n" },
      { path: "/home/dev/AGENTS.md", content: "  \n" },
      { path: "/home/dev/project/CLAUDE.md", content: "Use pnpm." },
    ],
  });
  const section = prompt.slice(prompt.indexOf("Memory files:"));
  assert.equal(
    section.slice(section.indexOf("<memory")),
    '<memory path="/home/u/.config/hearth/AGENTS.md">\nAnswer in French.\n</memory>\n\n' +
      '<memory path="/home/dev/project/CLAUDE.md">\nUse pnpm.\n</memory>',
  );
  assert.equal(
    buildSystemPrompt(env, { memory: [{ path: "/home/dev/AGENTS.md", content: "" }] }),
    buildSystemPrompt(env),
    "no section when every file is blank",
  );
});

/**
 * What the interactive front looks up for itself, each loaded on first use (none of it is needed to show the
 * prompt): the models for /model's completion (as `hearth models` lists them), the workspace's files for `@path`
 * (as the tools walk them, .gitignore honoured), the sessions of this directory for /resume (as
 * `hearth sessions --here` lists them), the doctor's checks, and the context window of a model.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { hearthPaths } from "../../store/paths.ts";
import { mentionTokens } from "./completion.ts";
import type { PickerItem } from "./session-picker.ts";

/** More files than this and the rest are not offered for completion. */
const MAX_PATHS = 20_000;
/** The sessions the picker lists at most. */
const MAX_SESSIONS = 200;

/** Model references for completion, local ones first: "ollama/qwen2.5-coder:7b", "anthropic/claude-…". */
export async function modelNames(cwd: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  return (await modelItems(cwd, env)).map((item) => item.id);
}

/** The models `hearth models` lists, local ones first, as picker items (the detail says where each runs). */
export async function modelItems(cwd: string, env: NodeJS.ProcessEnv): Promise<PickerItem[]> {
  const { availableModels } = await import("../models-command.ts");
  const found = await availableModels({ env, cwd });
  if (!found) return [];
  const usable = found.rows.filter((row) => !row.model.includes("<"));
  const local = usable.filter((row) => !row.where.startsWith("cloud"));
  const cloud = usable.filter((row) => row.where.startsWith("cloud"));
  return [...local, ...cloud].map((row) => ({
    id: row.model,
    label: row.model,
    detail: [row.context && `${row.context} context`, row.where].filter(Boolean).join(" · "),
  }));
}

/** The workspace's files and folders (folders end in "/"), as the tools see them: .gitignore honoured. */
export async function workspacePaths(root: string, signal?: AbortSignal): Promise<string[]> {
  const { walk } = await import("../../tools/walk.ts");
  const paths: string[] = [];
  for await (const path of walk(root, { includeDirectories: true, signal })) {
    paths.push(path);
    if (paths.length >= MAX_PATHS) break;
  }
  return paths;
}

/** The sessions of the workspace `cwd`, newest first, as picker items. */
export async function sessionsHere(cwd: string, env: NodeJS.ProcessEnv): Promise<PickerItem[]> {
  const [{ withSessionIndex }, { listSessionFiles, shortSessionIds }, { modelDisplayName }, { age }] =
    await Promise.all([
      import("../../store/session-index.ts"),
      import("../../store/session-store.ts"),
      import("../../providers/model-resolution.ts"),
      import("../sessions-command.ts"),
    ]);
  const { terminalText } = await import("../terminal-text.ts");
  const dataDir = hearthPaths(env).dataDir;
  const rows = withSessionIndex(dataDir, (index) => index.list({ cwd, limit: MAX_SESSIONS }));
  const short = shortSessionIds(
    rows.map((r) => r.id),
    listSessionFiles(dataDir).map((f) => f.id),
  );
  const now = Date.now();
  return rows.map((row) => ({
    id: row.id,
    label: `${short.get(row.id) ?? row.id}  ${age(now - row.updatedAt).padEnd(8)}  ${terminalText(row.title).replace(/\s+/g, " ")}`,
    detail: `(${row.turns} turn${row.turns === 1 ? "" : "s"}, ${modelDisplayName(row.model)})`,
  }));
}

/** `hearth doctor`'s lines for this workspace. */
export async function doctorLines(cwd: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const { runDoctor } = await import("../doctor-command.ts");
  let text = "";
  await runDoctor(["--cwd", cwd], env, { stdout: (t) => (text += t), stderr: (t) => (text += t) });
  return text.replace(/\n$/, "").split("\n");
}

/**
 * The `@path` mentions of a prompt that name a file of the workspace, to attach. A word that names nothing
 * ("@someone") stays text; whether a file may be attached is the runtime's to say (it refuses what a read would).
 */
export function mentionedPaths(text: string, cwd: string): string[] {
  return mentionTokens(text).filter((path) => {
    try {
      return statSync(resolve(cwd, path)).isFile();
    } catch {
      return false;
    }
  });
}

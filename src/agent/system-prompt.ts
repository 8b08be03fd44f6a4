/**
 * The system prompt: who hearth is, how to work, facts about the environment, and the memory files (AGENTS.md).
 * Two profiles: "default" for strong cloud models and "lean" (a few lines) for small local models.
 * Built once per session and sent unchanged on every turn, so a provider's prompt cache keeps matching: nothing
 * in it may change between turns (the date is per session).
 */

/** "lean": short prompt and tool wording for small local models; "default": the full text. */
export type PromptProfile = "lean" | "default";

export type PromptEnvironment = {
  cwd: string;
  platform: string;
  /** Per session (YYYY-MM-DD); never a time of day. */
  date: string;
  isGitRepo: boolean;
  permissionMode: string;
};

/** An instructions file (AGENTS.md and the like) as it goes into the prompt. */
export type PromptMemoryFile = {
  /** Shown to the model so it knows where each instruction comes from. */
  path: string;
  content: string;
};

export type SystemPromptOptions = {
  profile?: PromptProfile;
  /** In the order given: the user's file first, then the outermost directory's to the innermost's. */
  memory?: readonly PromptMemoryFile[];
};

export function buildSystemPrompt(env: PromptEnvironment, options: SystemPromptOptions = {}): string {
  const body = options.profile === "lean" ? LEAN : DEFAULT;
  return `${body}\n\n${environment(env)}${memorySection(options.memory ?? [])}`;
}

const DEFAULT = `You are hearth, a coding agent running in the user's terminal on their own machine. You help with software engineering tasks in the workspace using the tools provided.

How to work:
- Understand before you change: read the relevant files and search the code first. Never guess file contents.
- Make the smallest change that does the job, in the style of the surrounding code. Prefer editing files to creating new ones.
- Use edit for changes to existing files (read them first), write for new files, bash to run builds, tests and other commands.
- After a change, verify it when you can (run the tests or the build) and fix what you broke.
- Do not run destructive commands (deleting files outside the task, rewriting git history, force pushes) unless the user asked for exactly that.
- If a tool call fails, read the error and adjust; do not repeat the same failing call.
- Paths are relative to the workspace root unless absolute. Stay inside the workspace.
- When done, answer briefly: what you did or found, and anything the user must do next. No preamble.`;

const LEAN = `You are hearth, a coding agent in the user's terminal. Do the user's software task in the workspace with the tools.
- Read and search (grep, glob) before changing; never guess file contents.
- Change files with edit (read them first) or write (new files). Run builds and tests with bash.
- Keep changes small, in the code's style; run the tests after.
- No destructive commands unless asked.
- If a tool fails, read the error and try something else.
- Paths are relative to the workspace.
- When done, say briefly what you did.`;

function environment(env: PromptEnvironment): string {
  const plan =
    env.permissionMode === "plan" ? " (read-only: investigate and propose, do not change anything)" : "";
  return `Environment:
- Workspace: ${env.cwd}${env.isGitRepo ? " (in a git repository)" : ""}
- Platform: ${env.platform}
- Date: ${env.date}
- Permission mode: ${env.permissionMode}${plan}`;
}

/** Each file labelled with its path; the content is the repository's or user's words, not hearth's. */
function memorySection(memory: readonly PromptMemoryFile[]): string {
  const present = memory.filter((file) => file.content.trim() !== "");
  if (present.length === 0) return "";
  const files = present.map((file) => `<memory path="${file.path}">\n${file.content.trimEnd()}\n</memory>`);
  return `\n\nMemory files: instructions from the user and the project (AGENTS.md and the like), outermost first; a later file wins where they disagree, and the user's messages win over all of them.\n\n${files.join("\n\n")}`;
}

/**
 * What `/init` asks of the model: a look at the repository, then an AGENTS.md at its root (the file hearth and
 * other agents read as project memory). One prompt like any other, so it runs under the same policy: in ask mode
 * the write is shown as a diff and waits for a yes.
 */
export const INIT_PROMPT =
  "/init: look at this repository (its layout, README, build, test and lint setup, conventions) and write " +
  "AGENTS.md at its root: a short guide for coding agents with the exact commands to build, test and lint, " +
  "where things live, the code style, and anything surprising. If AGENTS.md exists, read it and improve it, " +
  "keeping what is still true. Under 100 lines; no generic advice.";

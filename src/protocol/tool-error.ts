/**
 * The error a tool throws for a failure the model can recover from. Here rather than in src/tools/ because the
 * policy layer's confinement (src/policy/workspace.ts, open-confined.ts) throws it too, and tools import the
 * policy: both point inward to this file.
 */

/** A failure the model can recover from; its message is shown to the model as is. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolError";
  }
}

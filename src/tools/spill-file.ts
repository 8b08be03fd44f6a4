/** Spill files: where a tool's full output goes when the model is shown only part of it. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { shortRandom } from "../protocol/ids.ts";

/** A new file name in `spillDir` (created owner-only on demand: output may be private), named after the call. */
export function newSpillPath(spillDir: string, toolName: string, callId: string, extension: string): string {
  mkdirSync(spillDir, { recursive: true, mode: 0o700 });
  const id = callId.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 40) || "call";
  return join(spillDir, `${toolName}-${id}-${shortRandom(8)}.${extension}`);
}

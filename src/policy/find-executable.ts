/** Find a program on PATH without spawning a shell. */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export function findExecutable(name: string, pathVar: string | undefined): string | null {
  for (const dir of (pathVar ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

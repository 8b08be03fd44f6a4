/**
 * Model-load progress of the embedded engine, on stderr. On a terminal: one line redrawn in place (percent);
 * elsewhere: a line when loading starts and one when the model is ready, with the time it took.
 */
import { basename } from "node:path";
import type { LoadProgress } from "../providers/embedded.ts";

export function createLoadProgressPrinter(
  write: (text: string) => void,
  tty: boolean,
): (p: LoadProgress) => void {
  let lastPercent = -1;
  return (progress) => {
    const name = basename(progress.path);
    switch (progress.stage) {
      case "engine":
        lastPercent = -1;
        write(tty ? `\r\x1b[2Khearth: loading ${name}...` : `hearth: loading ${name}\n`);
        return;
      case "model": {
        const percent = Math.floor(progress.fraction * 100);
        if (!tty || percent === lastPercent) return;
        lastPercent = percent;
        write(`\r\x1b[2Khearth: loading ${name} ${percent}%`);
        return;
      }
      case "ready": {
        const where = progress.gpu === false ? "CPU" : `GPU (${progress.gpu})`;
        const seconds = (progress.ms / 1000).toFixed(1);
        const line = `hearth: loaded ${name} in ${seconds} s (${where}, ${progress.threads} thread${progress.threads === 1 ? "" : "s"}, context ${progress.contextSize})`;
        write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
      }
    }
  };
}

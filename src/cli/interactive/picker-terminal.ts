/**
 * A picker on its own, before any session is open (`hearth -r` with no id): raw keys in, the picker drawn in
 * the live region, the terminal put back as it was once a choice is made or the picker is cancelled.
 */
import { writeOutput } from "../redaction.ts";
import { createKeyReader } from "./key-reader.ts";
import type { Picker, PickerOutcome } from "./session-picker.ts";
import { createScreen } from "./terminal-screen.ts";
import { visibleWidth } from "./text-width.ts";
import type { Theme } from "./theme.ts";

export function showPicker(
  picker: Picker,
  io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; theme: Theme },
): Promise<Exclude<PickerOutcome, null>> {
  const { stdin, stdout, theme } = io;
  const screen = createScreen(writeOutput);
  const draw = () => {
    const lines = picker.lines(theme, Math.max(20, stdout.columns || 80), Math.max(6, stdout.rows || 24));
    screen.draw([], {
      lines,
      cursor: { row: lines.length - 1, column: visibleWidth(lines.at(-1) ?? "") },
    });
  };
  return new Promise((resolve) => {
    const reader = createKeyReader((key) => {
      const outcome = picker.key(key);
      if (!outcome) {
        draw();
        return;
      }
      stdin.off("data", onData);
      screen.clearLive();
      stdin.setRawMode(false);
      stdin.pause();
      resolve(outcome);
    });
    const onData = (chunk: string) => reader.feed(chunk);
    stdin.setRawMode(true);
    stdin.setEncoding("utf8");
    stdin.on("data", onData);
    stdin.resume();
    draw();
  });
}

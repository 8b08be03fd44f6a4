/**
 * A child process for the kill -9 test (test/e2e/file-safety.test.ts): replaces one big file with the write
 * and edit tools, turn about, for ever. The file is always `<n>\n` followed by the same filler; a reader
 * that finds anything else found a half-written file.
 * Usage: node --import tsx test/support/file-writer.ts <workspace> <file name> <filler bytes>
 */
import { createWorkspace } from "../../src/policy/workspace.ts";
import { createEditTool } from "../../src/tools/edit.ts";
import { createFileState } from "../../src/tools/file-state.ts";
import { createReadTool } from "../../src/tools/read.ts";
import { createWriteTool } from "../../src/tools/write.ts";

const [root, name, fillerBytes] = process.argv.slice(2);
const filler = fillerContent(Number(fillerBytes));
const workspace = createWorkspace({ root });
const fileState = createFileState();
const context = { signal: new AbortController().signal, callId: "writer" };
const read = createReadTool({ workspace, fileState });
const write = createWriteTool({ workspace, fileState });
const edit = createEditTool({ workspace, fileState });

await read.execute({ path: name, limit: 1 }, context);
for (let n = 1; ; n++) {
  if (n % 2 === 1) await write.execute({ path: name, content: `${n}\n${filler}` }, context);
  else await edit.execute({ path: name, old_string: `${n - 1}\n`, new_string: `${n}\n` }, context);
  if (n === 1) process.stdout.write("ready\n");
}

/** Lines of x's, no digits: the first line is the only number in the file. */
function fillerContent(bytes: number): string {
  const line = `${"x".repeat(63)}\n`;
  return line.repeat(Math.ceil(bytes / line.length));
}

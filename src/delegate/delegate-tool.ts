/**
 * The `delegate` tool: the model hands a task to another agent CLI (`{runtime, task}`) and gets its answer back
 * as the tool's result. Offered only for the runtimes the user's settings name (`delegate.runtimes`), never an
 * ACP command (the model does not get to choose a program to start). Its kind is `external`: it asks like a
 * command that is not read-only, unless an allow rule `delegate` or auto mode allows it; plan mode refuses it.
 * The running is injected (runtime/delegate-call.ts).
 */
import * as z from "zod/mini";
import type { AnyTool, ToolContext, ToolResult } from "../tools/tool.ts";
import { defineTool } from "../tools/tool.ts";
import type { RuntimeName } from "./runtimes.ts";

export type DelegateRun = (runtime: RuntimeName, task: string, context: ToolContext) => Promise<ToolResult>;

export function createDelegateTool(runtimes: readonly RuntimeName[], run: DelegateRun): AnyTool {
  const schema = z.object({
    runtime: z
      .enum(runtimes as [RuntimeName, ...RuntimeName[]])
      .check(z.describe(`The agent to run the task: ${runtimes.join(", ")}.`)),
    task: z
      .string()
      .check(z.describe("The whole task, self-contained: the agent does not see this conversation.")),
  });
  return defineTool({
    name: "delegate",
    description:
      "Hand a self-contained task to another coding agent installed here; it works in this workspace in its own safe mode and its final answer comes back. The person is asked first.",
    lean: { description: "Hand a task to another coding agent; its answer comes back." },
    schema,
    kind: "external",
    execute: (args, context) => run(args.runtime, args.task, context),
  });
}

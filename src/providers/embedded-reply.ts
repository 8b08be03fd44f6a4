/**
 * How the embedded engine calls tools. When a request offers tools, generation is constrained by a grammar built
 * from a JSON Schema, so the model's whole reply is exactly one JSON object of one of these shapes:
 *
 *   {"answer": "<text for the user>"}
 *   {"tool": "<one of the offered tool names>", "arguments": {<that tool's own arguments schema>}}
 *
 * The `arguments` alternative for each tool is that tool's real parameter schema, so a finished call always parses
 * and names a real tool. The grammar engine requires every property an object lists, so optional properties are
 * spelled out: an object with up to 3 of them becomes one alternative per subset (the model just leaves them out);
 * with more, each may also be `null`, meaning "left out", and those nulls are removed before the call is handed
 * on. Numeric bounds (`minimum`...) and string patterns are not enforced by the grammar; the tool runtime still
 * validates them.
 * The answer's text is streamed as it is generated. Tool results go back to the model as a user message
 * ("Result of <tool>: ...").
 */

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Schema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const PRIMITIVES = new Set(["string", "number", "integer", "boolean", "null"]);
const ANY_VALUE: Schema = {
  oneOf: [
    { type: ["string", "number", "boolean", "null"] },
    { type: "array" },
    { type: "object", additionalProperties: true },
  ],
};

export type ReplyTool = { name: string; description: string; parameters: Schema };

/** The JSON Schema (in the subset node-llama-cpp's grammar generator takes) of every allowed reply. */
export function replySchema(tools: ReplyTool[]): Schema {
  return {
    oneOf: [
      { type: "object", properties: { answer: { type: "string" } } },
      ...tools.map((tool) => ({
        type: "object",
        properties: { tool: { const: tool.name }, arguments: grammarSchema(tool.parameters) },
      })),
    ],
  };
}

/** A JSON Schema rewritten for the grammar generator: optional properties may be null, unknown keywords dropped. */
export function grammarSchema(schema: unknown): Schema {
  if (!isObject(schema)) return ANY_VALUE;
  const out = convert(schema);
  if (isObject(schema.$defs)) {
    out.$defs = Object.fromEntries(
      Object.entries(schema.$defs).map(([name, def]) => [name, grammarSchema(def)]),
    );
  }
  return out;
}

function convert(schema: Schema): Schema {
  if (typeof schema.$ref === "string") return { $ref: schema.$ref };
  if ("const" in schema) return { const: schema.const };
  if (Array.isArray(schema.enum)) return { enum: schema.enum };
  const choices = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(choices)) return { oneOf: choices.map((choice) => grammarSchema(choice)) };
  const type = schema.type;
  if (Array.isArray(type)) {
    if (type.every((t) => typeof t === "string" && PRIMITIVES.has(t))) return { type };
    return { oneOf: type.map((t) => convert({ ...schema, type: t })) };
  }
  switch (type) {
    case "object":
      return objectSchema(schema);
    case "array": {
      const out: Schema = { type: "array" };
      if (schema.items !== undefined) out.items = grammarSchema(schema.items);
      if (Array.isArray(schema.prefixItems))
        out.prefixItems = schema.prefixItems.map((i) => grammarSchema(i));
      copyNumbers(schema, out, ["minItems", "maxItems"]);
      return out;
    }
    case "string": {
      const out: Schema = { type: "string" };
      copyNumbers(schema, out, ["minLength", "maxLength"]);
      if (schema.format === "date-time" || schema.format === "date" || schema.format === "time")
        out.format = schema.format;
      return out;
    }
    case "number":
    case "integer":
    case "boolean":
    case "null":
      return { type };
    default:
      return ANY_VALUE;
  }
}

/** Objects with at most this many optional properties list every subset as an alternative; others use nulls. */
const MAX_OMITTABLE = 3;

function objectSchema(schema: Schema): Schema {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const names = Object.keys(properties);
  if (names.length === 0) {
    const extra = schema.additionalProperties;
    if (extra === undefined || extra === false) return { type: "object", properties: {} };
    return { type: "object", additionalProperties: isObject(extra) ? grammarSchema(extra) : true };
  }
  const converted = Object.fromEntries(names.map((name) => [name, grammarSchema(properties[name])]));
  const optional = names.filter((name) => !required.has(name));
  if (optional.length <= MAX_OMITTABLE) {
    // Every subset of the optional properties, fewest first: the model may simply leave them out.
    const subsets: string[][] = [[]];
    for (const name of optional) for (const subset of [...subsets]) subsets.push([...subset, name]);
    subsets.sort((a, b) => a.length - b.length);
    const shapes = subsets.map((subset) => ({
      type: "object",
      properties: Object.fromEntries(
        names.filter((n) => required.has(n) || subset.includes(n)).map((n) => [n, converted[n]]),
      ),
    }));
    return shapes.length === 1 ? shapes[0] : { oneOf: shapes };
  }
  const out: Record<string, Schema> = {};
  for (const name of names) {
    out[name] = required.has(name) ? converted[name] : { oneOf: [converted[name], { type: "null" }] };
  }
  return { type: "object", properties: out };
}

function copyNumbers(from: Schema, to: Schema, keys: string[]): void {
  for (const key of keys) if (typeof from[key] === "number") to[key] = from[key];
}

/** The instructions appended to the system prompt when tools are offered. */
export function replyInstructions(tools: ReplyTool[]): string {
  const lines = [
    "# Replying",
    "Reply with exactly one JSON object and nothing else:",
    '- to use a tool: {"tool": "<tool name>", "arguments": {...}} (optional arguments may be left out or null)',
    '- to answer the user or finish: {"answer": "<your reply>"}',
    'The result of a tool comes back in the next user message, starting "Result of <tool name>".',
    "",
    "# Tools",
  ];
  for (const tool of tools) {
    lines.push(`## ${tool.name}`, tool.description, ...argumentLines(tool.parameters), "");
  }
  return lines.join("\n").trimEnd();
}

function argumentLines(parameters: Schema): string[] {
  const properties = isObject(parameters.properties) ? parameters.properties : {};
  const required = new Set(Array.isArray(parameters.required) ? parameters.required : []);
  const entries = Object.entries(properties);
  if (entries.length === 0) return ["Arguments: none"];
  return [
    "Arguments:",
    ...entries.map(([name, raw]) => {
      const prop = isObject(raw) ? raw : {};
      const { description, ...shape } = prop;
      const type = Array.isArray(prop.enum)
        ? `one of ${prop.enum.map((v) => JSON.stringify(v)).join(", ")}`
        : typeof prop.type === "string" && Object.keys(shape).length === 1
          ? prop.type
          : JSON.stringify(shape);
      const about = typeof description === "string" ? `: ${description}` : "";
      return `- ${name} (${type}${required.has(name) ? ", required" : ""})${about}`;
    }),
  ];
}

/** How an assistant tool call is written back into the history: exactly the shape the grammar produces. */
export function toolCallText(name: string, args: Record<string, unknown>): string {
  return JSON.stringify({ tool: name, arguments: args });
}

export function answerText(text: string): string {
  return JSON.stringify({ answer: text });
}

export type ParsedReply =
  | { kind: "answer"; text: string }
  | { kind: "tool"; name: string; arguments: Record<string, unknown> }
  | { kind: "incomplete" };

/** The finished reply. Incomplete when generation stopped before the JSON object closed (token limit). */
export function parseReply(raw: string, tools: ReplyTool[]): ParsedReply {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { kind: "incomplete" };
  }
  if (!isObject(value)) return { kind: "incomplete" };
  if (typeof value.answer === "string") return { kind: "answer", text: value.answer };
  const tool = tools.find((t) => t.name === value.tool);
  if (!tool || !isObject(value.arguments)) return { kind: "incomplete" };
  return { kind: "tool", name: tool.name, arguments: withoutOmitted(value.arguments, tool.parameters) };
}

/** Removes the nulls that stand for left-out optional properties, at every depth. */
function withoutOmitted(value: Record<string, unknown>, schema: Schema): Record<string, unknown> {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null && !required.has(key)) continue;
    const inner = properties[key];
    out[key] = isObject(item) && isObject(inner) ? withoutOmitted(item, inner) : item;
  }
  return out;
}

/**
 * Streams the text of an `{"answer": "..."}` reply while it is generated: `push` takes the raw text generated so
 * far and returns the newly decoded part of the answer ("" when the reply is a tool call or nothing new is
 * complete; an escape sequence cut in half waits for its end).
 */
export class AnswerStream {
  private emitted = 0;

  push(raw: string): string {
    const start = /^\s*\{\s*"answer"\s*:\s*"/.exec(raw);
    if (!start) return "";
    let decoded = decodePartialString(raw.slice(start[0].length));
    // Hold back the first half of a surrogate pair until its second half is decoded.
    const last = decoded.charCodeAt(decoded.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) decoded = decoded.slice(0, -1);
    const delta = decoded.slice(this.emitted);
    this.emitted = Math.max(this.emitted, decoded.length);
    return delta;
  }
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** The decoded content of a JSON string body that may be unfinished; stops at the closing quote. */
function decodePartialString(body: string): string {
  let out = "";
  let i = 0;
  while (i < body.length) {
    const char = body[i];
    if (char === '"') break;
    if (char !== "\\") {
      out += char;
      i++;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) break;
    if (next === "u") {
      const hex = body.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) break;
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 6;
      continue;
    }
    out += ESCAPES[next] ?? next;
    i += 2;
  }
  return out;
}

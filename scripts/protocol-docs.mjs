// The README's lists of stream-json events and of commands, generated from the protocol types themselves
// (src/protocol/events.ts: `Common`, `EventMap`, `SessionEventMap`; src/protocol/commands.ts: `CommandMap`), so
// that the documentation cannot drift from the wire format. Each list sits in the README between
// `<!-- protocol:NAME -->` and `<!-- /protocol:NAME -->`, with the protocol types its fields name after it.
//   node scripts/protocol-docs.mjs          checks the README (exit 1, saying what differs, when it is stale)
//   node scripts/protocol-docs.mjs --write  rewrites those parts of the README
// Run from the repository root (or any folder with src/protocol/ and a README.md), as `npm run lint` does.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const PROTOCOL = "src/protocol";
const README = "README.md";

/** The text inside the braces of `type NAME = { ... }` in `source`, or an error naming what is missing. */
function mapBody(source, name, file) {
  const start = source.search(new RegExp(`\\btype ${name}\\s*=\\s*\\{`));
  if (start === -1) throw new Error(`${file}: no \`type ${name} = { ... }\` found`);
  const open = source.indexOf("{", start);
  return source.slice(open + 1, matching(source, open));
}

/** Index of the bracket closing the one at `open`, skipping strings and comments. */
function matching(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const skip = skipped(text, i);
    if (skip > i) {
      i = skip - 1;
      continue;
    }
    if ("{([<".includes(text[i])) depth++;
    else if ("})]>".includes(text[i]) && text[i - 1] !== "=") depth--;
    if (depth === 0) return i;
  }
  throw new Error("unbalanced brackets");
}

/** If a string or comment starts at `i`, the index after it; else `i`. */
function skipped(text, i) {
  if (text.startsWith("//", i)) {
    const end = text.indexOf("\n", i);
    return end === -1 ? text.length : end;
  }
  if (text.startsWith("/*", i)) return text.indexOf("*/", i) + 2;
  if (text[i] === '"' || text[i] === "'" || text[i] === "`") {
    let j = i + 1;
    while (j < text.length && text[j] !== text[i]) j += text[j] === "\\" ? 2 : 1;
    return j + 1;
  }
  return i;
}

/** The members of a type literal's body: name, optional, type text, doc comment. */
function members(body) {
  const out = [];
  let doc = "";
  let i = 0;
  while (i < body.length) {
    if (/\s|;|,/.test(body[i])) {
      i++;
    } else if (body.startsWith("/**", i)) {
      const end = body.indexOf("*/", i);
      doc = prose(body.slice(i + 3, end));
      i = end + 2;
    } else if (body.startsWith("//", i)) {
      i = skipped(body, i);
    } else {
      const head = /^(\w+)(\?)?\s*:\s*/.exec(body.slice(i));
      if (!head) throw new Error(`cannot read the member at: ${body.slice(i, i + 40)}`);
      let j = i + head[0].length;
      const typeStart = j;
      while (j < body.length && body[j] !== ";" && body[j] !== "\n") {
        const skip = skipped(body, j);
        j = skip > j ? skip : "{([<".includes(body[j]) ? matching(body, j) + 1 : j + 1;
      }
      const raw = body.slice(typeStart, j).trim();
      out.push({ name: head[1], optional: head[2] === "?", type: compact(raw), raw, doc });
      doc = "";
      i = j + 1;
    }
  }
  return out;
}

/** A doc comment as one line of prose. */
function prose(comment) {
  return comment
    .split("\n")
    .map((l) => l.replace(/^\s*\*\s?/, "").trim())
    .join(" ")
    .trim();
}

/** Type text on one line, without comments. */
function compact(type) {
  let out = "";
  for (let i = 0; i < type.length; i++) {
    const skip = skipped(type, i);
    if (skip > i && (type[i] === "/" || type[i] === "*")) {
      i = skip - 1;
      out += " ";
    } else if (skip > i) {
      out += type.slice(i, skip);
      i = skip - 1;
    } else out += type[i];
  }
  return out.replace(/\s+/g, " ").replace(/^\| /, "").replace(/;? \}/g, " }").trim();
}

/** The fields of an entry's type: a type literal's members, none for the empty-object forms. */
function fieldsOf(entry, file) {
  if (/^(Record<(string|never), never>|NoFields)$/.test(entry.type)) return [];
  if (!entry.raw.startsWith("{"))
    throw new Error(`${file}: ${entry.name} is not a type literal: ${entry.type}`);
  return members(entry.raw.slice(1, -1));
}

/** Every exported type of src/protocol/, by name: its declaration on one line. */
function protocolTypes(root) {
  const types = new Map();
  const consts = new Map();
  for (const file of readdirSync(join(root, PROTOCOL)).filter(
    (f) => f.endsWith(".ts") && !f.includes(".test."),
  )) {
    const source = readFileSync(join(root, PROTOCOL, file), "utf8");
    for (const m of source.matchAll(/^export const (\w+) = (\[[^\]]*\]) as const;/gm)) consts.set(m[1], m[2]);
    for (const m of source.matchAll(/^(?:export )?type (\w+)\s*=\s*/gm)) {
      let j = m.index + m[0].length;
      while (j < source.length && source[j] !== ";") {
        const skip = skipped(source, j);
        j = skip > j ? skip : "{([<".includes(source[j]) ? matching(source, j) + 1 : j + 1;
      }
      types.set(m[1], compact(source.slice(m.index + m[0].length, j)));
    }
  }
  // `(typeof NAMES)[number]` reads better as the union of the names.
  for (const [name, text] of types) {
    const of = /^\(typeof (\w+)\)\[number\]$/.exec(text);
    if (of && consts.has(of[1]))
      types.set(
        name,
        compact(
          JSON.parse(consts.get(of[1]))
            .map((v) => `"${v}"`)
            .join(" | "),
        ),
      );
  }
  return types;
}

/** The protocol types named in `texts`, and those they name in turn, in order of first mention. */
function referenced(texts, types, skip) {
  const seen = [];
  const visit = (text) => {
    for (const [word] of text.matchAll(/\b[A-Z]\w+\b/g)) {
      if (!types.has(word) || seen.includes(word) || skip.includes(word)) continue;
      seen.push(word);
      visit(types.get(word));
    }
  };
  texts.forEach(visit);
  return seen;
}

const cell = (text) => text.replaceAll("|", "\\|");
const field = (f) => `\`${f.name}${f.optional ? "?" : ""}\`: \`${cell(f.type)}\``;

/** A markdown table of a map's entries, and the protocol types their fields name. */
function table(entries, heading, types, skip) {
  const rows = entries.map(({ key, doc, fields }) => {
    const notes = fields.filter((f) => f.doc).map((f) => `\`${f.name}\`: ${f.doc}`);
    return `| \`${key}\` | ${fields.map(field).join(", ")} | ${cell([doc, ...notes].filter(Boolean).join(" "))} |`;
  });
  const named = referenced(
    entries.flatMap((e) => e.fields.map((f) => f.type)),
    types,
    skip,
  );
  return [
    `| ${heading} | fields | meaning |`,
    "|---|---|---|",
    ...rows,
    "",
    ...(named.length ? ["The types these fields name (src/protocol/):", ""] : []),
    ...named.map((name) => `- \`${name}\`: \`${types.get(name)}\``),
  ].join("\n");
}

function entriesOf(root, file, maps) {
  const source = readFileSync(join(root, PROTOCOL, file), "utf8");
  return maps.flatMap((map) =>
    members(mapBody(source, map, file)).map((m) => {
      // What an entry means is part of the wire format: an entry added without its doc comment fails here.
      if (!m.doc)
        throw new Error(
          `${file}: \`${m.name}\` in ${map} has no doc comment (/** ... */) saying what it means`,
        );
      return { key: m.name, doc: m.doc, fields: fieldsOf(m, file) };
    }),
  );
}

/** The generated parts of the README, by marker name. */
function generate(root) {
  const types = protocolTypes(root);
  const events = entriesOf(root, "events.ts", ["EventMap", "SessionEventMap"]);
  const common = members(
    mapBody(readFileSync(join(root, PROTOCOL, "events.ts"), "utf8"), "Common", "events.ts"),
  );
  const commands = entriesOf(root, "commands.ts", ["CommandMap"]);
  return {
    events: [
      `Every event has \`type\` and ${common.map(field).join(", ")}.`,
      "",
      table(events, "`type`", types, []),
    ].join("\n"),
    commands: table(commands, "`type`", types, []),
  };
}

/** `readme` with each marked part replaced by its generated text; throws when a marker is missing. */
function updated(readme, parts) {
  let out = readme;
  for (const [name, text] of Object.entries(parts)) {
    const open = `<!-- protocol:${name} -->`;
    const close = `<!-- /protocol:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start === -1 || end < start) throw new Error(`${README}: no ${open} ... ${close} part`);
    out = `${out.slice(0, start + open.length)}\n${text}\n${out.slice(end)}`;
  }
  return out;
}

const root = process.cwd();
if (!existsSync(join(root, PROTOCOL))) {
  console.error(`protocol-docs: no ${PROTOCOL}/ here; run it from the repository root`);
  process.exit(2);
}
try {
  const readme = readFileSync(join(root, README), "utf8");
  const parts = generate(root);
  const want = updated(readme, parts);
  if (process.argv.includes("--write")) {
    if (want !== readme) writeFileSync(join(root, README), want);
    console.log("protocol docs written");
  } else if (want !== readme) {
    const have = readme.split("\n");
    const line = want.split("\n").findIndex((l, i) => l !== have[i]);
    console.error(
      `protocol-docs: ${README} does not match the protocol types (line ${line + 1}: "${want.split("\n")[line]}"); run \`node scripts/protocol-docs.mjs --write\``,
    );
    process.exit(1);
  } else console.log("protocol docs ok");
} catch (error) {
  console.error(`protocol-docs: ${error.message}`);
  process.exit(1);
}

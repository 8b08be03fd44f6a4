// Layout checks run by `npm run lint`, from the repository root (or any folder with a src/ and a test/):
// - imports point inward only, along DESIGN.md's diagram:
//   cli (fronts) -> runtime -> (agent, tools, mcp, delegate, policy, store, secrets, providers, egress) -> schema, protocol
//   with the middle layers' own order spelled out in ALLOWED below;
// - no two layers import each other, directly or round a longer loop (found in the imports themselves, so a
//   cycle fails even if someone widens ALLOWED to let it in);
// - no source file under src/ imports from test/ (test files, *.test.ts, may: they use the fake model server);
// - no file passes the 800-line hard cap (STYLE.md).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/**
 * For each layer (a folder under src/), the other layers its source files may import. Test files are exempt.
 * The middle layers go in this order, each importing only the ones before it: secrets and egress; store; policy;
 * tools; mcp; providers; agent; delegate. Nothing but cli imports runtime, and nothing imports cli.
 */
const BOTTOM = ["protocol", "schema"];
const MIDDLE = ["agent", "tools", "mcp", "delegate", "policy", "store", "secrets", "providers", "egress"];
const ALLOWED = {
  protocol: [],
  schema: [],
  secrets: [...BOTTOM],
  egress: [...BOTTOM],
  store: ["secrets", ...BOTTOM],
  policy: ["store", "secrets", ...BOTTOM],
  tools: ["policy", "secrets", ...BOTTOM],
  mcp: ["tools", "policy", "secrets", "egress", ...BOTTOM],
  providers: ["store", "egress", ...BOTTOM],
  agent: ["providers", ...BOTTOM],
  delegate: ["agent", "tools", "mcp", "policy", "providers", "store", "secrets", "egress", ...BOTTOM],
  // The model gateway's wire formats and server (hearth serve): providers and the agent's response step, no runtime.
  gateway: ["agent", "providers", "store", "secrets", "egress", ...BOTTOM],
  runtime: [...MIDDLE, ...BOTTOM],
  cli: ["runtime", "gateway", ...MIDDLE, ...BOTTOM],
};
const MAX_LINES = 800;
const IMPORT = /(?:\bfrom|\bimport\s*\(|\bimport)\s*["'](\.[^"']+)["']/g;

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The first cycle in `graph` (layer -> set of layers), as a list of layers ending where it starts; or none. */
function findCycle(graph) {
  const state = new Map(); // layer -> "open" while on the path, "done" once fully explored
  const path = [];
  const visit = (layer) => {
    state.set(layer, "open");
    path.push(layer);
    for (const next of graph.get(layer) ?? []) {
      if (state.get(next) === "open") return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(layer, "done");
    return undefined;
  };
  for (const layer of graph.keys()) {
    if (state.has(layer)) continue;
    const cycle = visit(layer);
    if (cycle) return cycle;
  }
  return undefined;
}

const problems = [];

// The rules themselves must be a one-way order, or they would let a cycle in.
const allowedCycle = findCycle(new Map(Object.entries(ALLOWED).map(([k, v]) => [k, new Set(v)])));
if (allowedCycle)
  problems.push(`scripts/check-layout.mjs: ALLOWED has a cycle: ${allowedCycle.join(" -> ")}`);

/** Actual imports between layers: "a -> b" -> the first import seen that makes it. */
const edges = new Map();
for (const file of files("src")) {
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n").length;
  if (lines > MAX_LINES) problems.push(`${file}: ${lines} lines (cap ${MAX_LINES}); split it by concept`);
  if (file.endsWith(".test.ts")) continue;
  const layer = relative("src", file).split(sep)[0];
  const allowed = ALLOWED[layer];
  if (!allowed) {
    problems.push(`${file}: src/${layer} is not a layer; put the file in one, or add the layer to ALLOWED`);
    continue;
  }
  for (const match of text.matchAll(IMPORT)) {
    const resolved = resolve(dirname(file), match[1]);
    const fromRoot = relative(".", resolved).split(sep);
    if (fromRoot[0] === "test") {
      problems.push(
        `${file}: source under src/ must not import test code (${match[1]}); only *.test.ts files may`,
      );
      continue;
    }
    if (fromRoot[0] !== "src") continue;
    const target = fromRoot[1];
    if (target === layer) continue;
    if (!edges.has(`${layer} -> ${target}`)) edges.set(`${layer} -> ${target}`, `${file} (${match[1]})`);
    if (!allowed.includes(target))
      problems.push(`${file}: the ${layer} layer must not import ${target} (${match[1]})`);
  }
}

// Two layers importing each other, or a longer loop, whatever ALLOWED says.
const graph = new Map();
for (const edge of edges.keys()) {
  const [from, to] = edge.split(" -> ");
  if (!graph.has(from)) graph.set(from, new Set());
  graph.get(from).add(to);
}
for (const edge of edges.keys()) {
  const [from, to] = edge.split(" -> ");
  if (from < to && edges.has(`${to} -> ${from}`))
    problems.push(
      `the ${from} and ${to} layers import each other: ${edges.get(edge)} and ${edges.get(`${to} -> ${from}`)}`,
    );
}
const cycle = findCycle(graph);
if (cycle && cycle.length > 3)
  problems.push(`the layers import each other round a loop: ${cycle.join(" -> ")}`);

for (const file of files("test")) {
  const lines = readFileSync(file, "utf8").split("\n").length;
  if (lines > MAX_LINES) problems.push(`${file}: ${lines} lines (cap ${MAX_LINES})`);
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("layout ok");

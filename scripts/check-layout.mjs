// Layout checks run by `npm run lint`: imports point inward only (DESIGN.md), and no source file passes the
// 800-line hard cap (STYLE.md).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** For each layer, the layers it must not import. */
const ALL = ["agent", "providers", "tools", "policy", "store", "secrets", "egress", "mcp", "delegate", "cli"];
const FORBIDDEN = {
  schema: [...ALL, "protocol"],
  protocol: ["agent", "providers", "tools", "policy", "store", "secrets", "egress", "mcp", "delegate", "cli"],
  egress: ["agent", "providers", "tools", "policy", "store", "secrets", "cli"],
  providers: ["agent", "tools", "policy", "secrets", "cli"],
  agent: ["tools", "policy", "store", "secrets", "egress", "cli"],
  tools: ["agent", "providers", "store", "egress", "cli"],
  policy: ["agent", "providers", "egress", "cli"],
  store: ["agent", "tools", "policy", "egress", "cli"],
  secrets: ["agent", "providers", "tools", "policy", "store", "egress", "cli"],
};
const MAX_LINES = 800;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const problems = [];
for (const file of files("src")) {
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n").length;
  if (lines > MAX_LINES) problems.push(`${file}: ${lines} lines (cap ${MAX_LINES}); split it by concept`);
  if (file.endsWith(".test.ts")) continue;
  const layer = relative("src", file).split("/")[0];
  const forbidden = FORBIDDEN[layer] ?? [];
  for (const match of text.matchAll(/(?:from|import\()\s*["'](\.[^"']+)["']/g)) {
    const target = relative("src", resolve(dirname(file), match[1])).split("/")[0];
    if (forbidden.includes(target))
      problems.push(`${file}: the ${layer} layer must not import ${target} (${match[1]})`);
  }
}
for (const file of files("test")) {
  const lines = readFileSync(file, "utf8").split("\n").length;
  if (lines > MAX_LINES) problems.push(`${file}: ${lines} lines (cap ${MAX_LINES})`);
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("layout ok");

/**
 * Loading settings: the user file and the project file, each validated, then merged (project wins).
 * Problems are collected as diagnostics that point at `file:line`; a broken file never crashes hearth.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Node, ParseError } from "jsonc-parser";
import * as z from "zod/mini";
import { describeIssue } from "../schema/issues.ts";
import { KNOWN_SETTINGS, type Settings, SettingsSchema } from "./settings-schema.ts";
import { findSecretsInSettings } from "./settings-secrets.ts";

export type Diagnostic = { file: string; line: number; message: string; severity: "error" | "warning" };

export type SettingsSource = { path: string; label: string };

export type LoadedSettings = {
  /** All files merged, later ones winning. */
  settings: Settings;
  /** Each valid file on its own, by the label it was loaded with (for rules that depend on the source). */
  layers: Map<string, Settings>;
  diagnostics: Diagnostic[];
};

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}: ${d.severity === "warning" ? "warning: " : ""}${d.message}`;
}

/** Load and merge settings files in order (later files override earlier ones). Missing files are skipped. */
export function loadSettings(sources: SettingsSource[]): LoadedSettings {
  const diagnostics: Diagnostic[] = [];
  let merged: Record<string, unknown> = {};
  const layers = new Map<string, Settings>();
  for (const source of sources) {
    let text: string;
    try {
      text = readFileSync(source.path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue;
      diagnostics.push({
        file: source.label,
        line: 1,
        severity: "error",
        message: `cannot read: ${code ?? (error as Error).message}`,
      });
      continue;
    }
    const parsed = parseSettingsText(text, source.label);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.value) {
      merged = deepMerge(merged, parsed.value);
      layers.set(source.label, parsed.value as Settings);
    }
  }
  // Each file was validated alone; the merge of two valid files is valid.
  const settings = z.safeParse(SettingsSchema, merged);
  return { settings: settings.success ? settings.data : {}, layers, diagnostics };
}

/** Validate one file's text. Comments and trailing commas are allowed (as in editors' settings files). */
export function parseSettingsText(
  text: string,
  label: string,
): { value: Record<string, unknown> | null; diagnostics: Diagnostic[] } {
  const clean = cleanJson(text);
  if (clean) return { value: clean, diagnostics: [] };
  // Comments, an error or a warning: parse again with positions, to point at lines.
  const { findNodeAtLocation, parseTree, printParseErrorCode } = jsonc();
  const diagnostics: Diagnostic[] = [];
  const lineAt = lineIndex(text);
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || !tree) {
    const first = errors[0];
    const message = first ? describeParseError(printParseErrorCode(first.error)) : "the file is empty";
    diagnostics.push({ file: label, line: first ? lineAt(first.offset) : 1, severity: "error", message });
    return { value: null, diagnostics };
  }
  if (tree.type !== "object") {
    diagnostics.push({
      file: label,
      line: lineAt(tree.offset),
      severity: "error",
      message: "settings must be a JSON object",
    });
    return { value: null, diagnostics };
  }
  const value = nodeValue(tree) as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (!KNOWN_SETTINGS.has(key)) {
      const node = findNodeAtLocation(tree, [key]);
      diagnostics.push({
        file: label,
        line: lineAt(node?.parent?.offset ?? tree.offset),
        severity: "warning",
        message: `unknown setting "${key}" (ignored)`,
      });
    }
  }
  // A key pasted into settings is refused before anything else: settings files get copied, shared, committed.
  const secrets = findSecretsInSettings(value);
  for (const secret of secrets) {
    diagnostics.push({
      file: label,
      line: lineAt(deepestNode(tree, secret.segments).offset),
      severity: "error",
      message: `this looks like an API key (${secret.why}); keys never go in settings: run hearth keys set ${secret.provider ?? "<provider>"}`,
    });
  }
  if (secrets.length > 0) return { value: null, diagnostics };
  const result = z.safeParse(SettingsSchema, value, { reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
      const where = deepestNode(tree, path);
      const name = path.length > 0 ? `"${path.join(".")}"` : "settings";
      diagnostics.push({
        file: label,
        line: lineAt(where.offset),
        severity: "error",
        message: `${name}: ${describeIssue(issue)}`,
      });
    }
    return { value: null, diagnostics };
  }
  return { value: result.data as Record<string, unknown>, diagnostics };
}

/**
 * The common case, cheaply: plain JSON, only known keys, no pasted key, valid. Null when anything needs a
 * diagnostic (which needs line numbers, hence the full parser).
 */
function cleanJson(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isPlainObject(value) || Object.keys(value).some((key) => !KNOWN_SETTINGS.has(key))) return null;
  if (findSecretsInSettings(value).length > 0) return null;
  const result = z.safeParse(SettingsSchema, value);
  return result.success ? (result.data as Record<string, unknown>) : null;
}

/** jsonc-parser, loaded from node_modules when a file needs positions (start-up does not pay for it). */
function jsonc(): typeof import("jsonc-parser") {
  return createRequire(import.meta.url)("jsonc-parser") as typeof import("jsonc-parser");
}

function describeParseError(code: string): string {
  const words = code.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return `invalid JSON: ${words}`;
}

function deepestNode(tree: Node, path: Array<string | number>): Node {
  const { findNodeAtLocation } = jsonc();
  for (let n = path.length; n > 0; n--) {
    const node = findNodeAtLocation(tree, path.slice(0, n));
    if (node) return node.parent?.type === "property" ? node.parent : node;
  }
  return tree;
}

function nodeValue(node: Node): unknown {
  switch (node.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [key, val] = prop.children ?? [];
        if (key && val) out[String(key.value)] = nodeValue(val);
      }
      return out;
    }
    case "array":
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] =
      isPlainObject(value) && isPlainObject(out[key])
        ? deepMerge(out[key] as Record<string, unknown>, value)
        : value;
  }
  return out;
}

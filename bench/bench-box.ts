/**
 * What the benchmarks against the fake model server share: the paths, median and percentile, a throwaway HOME
 * and project wired to the server, hearth's own time per tool round trip, and where results are written.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FakeServer } from "../test/fake-server/server.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CLI = join(ROOT, "dist/cli.cjs");

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The p-th percentile (0-100), interpolated between the nearest ranks (so p50 is the median). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = ((sorted.length - 1) * p) / 100;
  const below = Math.floor(at);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (at - below);
}

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A temp project (with `hello.txt`) and a HOME of its own whose user settings point at the fake server. */
export type BenchBox = { project: string; env: Record<string, string> };

/** `settings` go into the user's settings file next to the provider (the sandbox is turned off only there). */
export function benchBox(fake: FakeServer, settings: Record<string, unknown> = {}): BenchBox {
  const root = mkdtempSync(join(tmpdir(), "hearth-bench-"));
  const home = join(root, "home");
  const project = join(root, "project");
  mkdirSync(join(home, ".config/hearth"), { recursive: true });
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "hello.txt"), "hello\n".repeat(50));
  writeFileSync(
    join(home, ".config/hearth/settings.json"),
    JSON.stringify({
      // A local server (as llama.cpp or vLLM would be): local by its kind, so the lean profile, as before a
      // loopback URL stopped counting as local.
      providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1`, local: true } },
      model: "fake/bench",
      ...settings,
    }),
  );
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_STATE_HOME: join(home, ".local/state"),
  };
  return { project, env };
}

/**
 * hearth's own time per tool round trip, for a script of one tool call per response: the gap between the server
 * finishing response k and receiving request k+1, minus the tool's own duration (as hearth reports it).
 */
export function ownTimes(fake: FakeServer, toolDurations: number[]): number[] {
  return toolDurations.map((duration, k) => {
    const done = fake.modelRequests[k].respondedAt!;
    const next = fake.modelRequests[k + 1].receivedAt;
    return next - done - duration;
  });
}

/** Writes bench/results/<name> (the folder is git-ignored) and returns its path. */
export function writeResults(name: string, results: Record<string, unknown>): string {
  const path = join(ROOT, "bench/results", name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}

/**
 * End to end: `hearth models pull|rm` and the GGUF rows of `hearth models`, with the built CLI against a loopback
 * file server serving the tiny test model: a full pull, a dropped connection then a resume with Range, a wrong
 * sha256, a full disk (a 1 MB tmpfs, when this runs as root and may mount), SIGKILL and Ctrl-C mid-download,
 * hf: references through HF_ENDPOINT, and offline mode.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type FileServer, type FileServerOptions, startFileServer } from "../support/file-server.ts";
import { makeSandbox, runHearth, type Sandbox } from "./harness.ts";

const MODEL = readFileSync(new URL("../fixtures/llama-2-tiny-random.gguf", import.meta.url));
const SHA = createHash("sha256").update(MODEL).digest("hex");
const FILE = "llama-2-tiny-random.gguf";

const servers: FileServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function serve(options: Partial<FileServerOptions> = {}): Promise<FileServer> {
  const server = await startFileServer({ body: MODEL, ...options });
  servers.push(server);
  return server;
}
const modelsDir = (sandbox: Sandbox) => join(sandbox.env.XDG_DATA_HOME, "hearth", "models");
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const listing = (sandbox: Sandbox) => runHearth(sandbox, ["models"]);

async function waitForSize(path: string, size: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!existsSync(path) || statSync(path).size < size) {
    if (Date.now() > deadline) throw new Error(`${path} did not reach ${size} bytes`);
    await sleep(20);
  }
}

test("pull saves a verified GGUF, hearth models lists it, models rm deletes it", async () => {
  const server = await serve();
  const sandbox = makeSandbox();
  const url = `${server.origin}/files/${FILE}`;
  const run = await runHearth(sandbox, ["models", "pull", url, "--sha256", SHA.toUpperCase()]);
  assert.equal(run.code, 0, run.stderr);
  const path = join(modelsDir(sandbox), FILE);
  assert.equal(run.stdout, `saved local/llama-2-tiny-random: ${path} (1.8 MB)\nsha256 ${SHA} (verified)\n`);
  assert.match(run.stderr, /^downloading llama-2-tiny-random\.gguf \(1\.8 MB\)$/m);
  assert.match(run.stderr, /^1\.8 MB \/ 1\.8 MB {2}100%/m);
  assert.match(run.stderr, /^1\.8 MB done: 1\.8 MB in /m);
  assert.equal(sha(path), SHA);
  assert.deepEqual(readdirSync(modelsDir(sandbox)), [FILE]);

  const ledger = readFileSync(join(sandbox.env.XDG_STATE_HOME, "hearth", "egress.jsonl"), "utf8");
  assert.match(ledger, /"purpose":"download","status":200/);

  const list = await listing(sandbox);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^MODEL\s+CONTEXT\s+SIZE\s+QUANT\s+WHERE$/m);
  assert.ok(
    list.stdout.split("\n").includes(`local/llama-2-tiny-random  4k       1.8 MB  F16    ${path}`),
    list.stdout,
  );

  const again = await runHearth(sandbox, ["models", "pull", url]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /^already downloaded: local\/llama-2-tiny-random/);
  assert.equal(server.requests.length, 1);

  const rm = await runHearth(sandbox, ["models", "rm", "local/llama-2-tiny-random"]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(rm.stdout, `removed ${path}\n`);
  assert.deepEqual(readdirSync(modelsDir(sandbox)), []);
  assert.ok(!(await listing(sandbox)).stdout.includes("local/"));
  const rmAgain = await runHearth(sandbox, ["models", "rm", "llama-2-tiny-random"]);
  assert.equal(rmAgain.code, 1);
  assert.match(
    rmAgain.stderr,
    /^hearth: no model "llama-2-tiny-random\.gguf" in .*; download one with hearth models pull/m,
  );
});

test("a connection dropped mid-file: exit 1, then the same command resumes with Range", async () => {
  const server = await serve({ dropAfter: 900_000 });
  const sandbox = makeSandbox();
  const args = ["models", "pull", `${server.origin}/${FILE}`];
  const first = await runHearth(sandbox, args);
  assert.equal(first.code, 1);
  assert.match(
    first.stderr,
    /^hearth: the connection to 127\.0\.0\.1:\d+ broke at \d+ kB of 1\.8 MB .*run the same command to resume$/m,
  );
  const partial = join(modelsDir(sandbox), `${FILE}.partial`);
  const kept = statSync(partial).size;
  assert.ok(kept > 0 && kept <= 900_000, `kept ${kept}`);
  assert.ok(!existsSync(join(modelsDir(sandbox), FILE)));
  const list = await listing(sandbox);
  assert.ok(!list.stdout.includes("local/"), "an unfinished download is not a model");
  assert.match(
    list.stderr,
    /unfinished download llama-2-tiny-random\.gguf: \d+ kB of 1\.8 MB \(from http:\/\/127\.0\.0\.1:\d+\/llama-2-tiny-random\.gguf\)/,
  );

  const second = await runHearth(sandbox, args);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(server.requests[1].headers.range, `bytes=${kept}-`);
  assert.match(second.stderr, /^resuming llama-2-tiny-random\.gguf at \d+ kB of 1\.8 MB$/m);
  assert.match(second.stdout, /no published checksum to verify/);
  assert.equal(sha(join(modelsDir(sandbox), FILE)), SHA);
  assert.deepEqual(readdirSync(modelsDir(sandbox)), [FILE]);
});

test("a wrong sha256: exit 1, one line, no final file and no partial", async () => {
  const server = await serve();
  const sandbox = makeSandbox();
  const wrong = "0".repeat(64);
  const run = await runHearth(sandbox, ["models", "pull", `${server.origin}/${FILE}`, "--sha256", wrong]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    new RegExp(
      `^hearth: sha256 mismatch for ${FILE}: expected ${wrong}, got ${SHA}; the download was deleted`,
      "m",
    ),
  );
  assert.deepEqual(readdirSync(modelsDir(sandbox)), []);
});

/** Why a tmpfs cannot be mounted here, or false when it can. */
function tmpfsUnavailable(): string | false {
  if (process.platform !== "linux") return "tmpfs mounts are Linux only";
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root (CI runs as root)";
  const probe = makeSandbox().home;
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { encoding: "utf8" });
  if (mounted.status !== 0)
    return `cannot mount a tmpfs here (${(mounted.stderr || mounted.error?.message || "").trim()})`;
  spawnSync("umount", [probe]);
  return false;
}

test("a full disk (1 MB tmpfs): a clear line, and nothing left behind", {
  skip: tmpfsUnavailable(),
}, async () => {
  const sandbox = makeSandbox();
  const dir = modelsDir(sandbox);
  mkdirSync(dir, { recursive: true });
  assert.equal(spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]).status, 0);
  try {
    // Size known (Content-Length): refused before downloading.
    const sized = await serve();
    const early = await runHearth(sandbox, ["models", "pull", `${sized.origin}/${FILE}`]);
    assert.equal(early.code, 1);
    assert.match(
      early.stderr,
      /^hearth: not enough space in .*models: llama-2-tiny-random\.gguf needs 1\.8 MB more, 1\.0 MB is free; free some space and run the same command again$/m,
    );
    assert.deepEqual(readdirSync(dir), []);
    // Size unknown (chunked): the write fails with ENOSPC and the partial is removed.
    const chunked = await serve({ chunked: true });
    const full = await runHearth(sandbox, ["models", "pull", `${chunked.origin}/${FILE}`]);
    assert.equal(full.code, 1);
    assert.match(
      full.stderr,
      /^hearth: no space left in .*models after [\d.]+ (B|kB|MB) of llama-2-tiny-random\.gguf; the partial download was removed: free some space and run the same command again$/m,
    );
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    spawnSync("umount", [dir]);
  }
});

test("SIGKILL mid-download leaves no file named like the model; the same command then resumes", async () => {
  const server = await serve({ stallAfter: 400_000 });
  const sandbox = makeSandbox();
  const args = ["models", "pull", `${server.origin}/${FILE}`];
  const partial = join(modelsDir(sandbox), `${FILE}.partial`);
  const killed = await runHearth(sandbox, args, {
    onSpawn: (child) => {
      waitForSize(partial, 400_000).then(
        () => child.kill("SIGKILL"),
        () => child.kill("SIGKILL"),
      );
    },
  });
  assert.equal(killed.signal, "SIGKILL");
  const names = readdirSync(modelsDir(sandbox));
  assert.ok(!names.includes(FILE), names.join(", "));
  assert.ok(
    names.every((n) => n.startsWith(`${FILE}.partial`)),
    names.join(", "),
  );

  const resumed = await runHearth(sandbox, args);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(server.requests[1].headers.range, "bytes=400000-");
  assert.equal(sha(join(modelsDir(sandbox), FILE)), SHA);
  assert.deepEqual(readdirSync(modelsDir(sandbox)), [FILE], "the stale lock is cleaned up too");
});

test("Ctrl-C mid-download: exit 130, the partial kept, and how to resume", async () => {
  const server = await serve({ stallAfter: 300_000 });
  const sandbox = makeSandbox();
  const partial = join(modelsDir(sandbox), `${FILE}.partial`);
  const run = await runHearth(sandbox, ["models", "pull", `${server.origin}/${FILE}`], {
    onSpawn: (child) => {
      waitForSize(partial, 300_000).then(
        () => child.kill("SIGINT"),
        () => child.kill("SIGKILL"),
      );
    },
  });
  assert.equal(run.code, 130, run.stderr);
  assert.match(
    run.stderr,
    /^hearth: download stopped at 300 kB of 1\.8 MB; run the same command to resume$/m,
  );
  assert.equal(statSync(partial).size, 300_000);
  assert.deepEqual(readdirSync(modelsDir(sandbox)).sort(), [`${FILE}.partial`, `${FILE}.partial.json`]);
});

test("hf: refs resolve through HF_ENDPOINT, follow the CDN redirect and check the published sha256", async () => {
  const cdn = await serve();
  const hub = await serve({
    redirects: {
      [`/owner/repo/resolve/main/${FILE}`]: {
        location: `${cdn.origin}/xet/${FILE}?sig=1`,
        headers: { "x-linked-size": String(MODEL.length), "x-linked-etag": `"${SHA}"` },
      },
    },
  });
  const sandbox = makeSandbox();
  const run = await runHearth(sandbox, ["models", "pull", `hf:owner/repo/${FILE}`], {
    env: { HF_ENDPOINT: hub.origin, HF_TOKEN: "hf_e2e_token_value" },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`^sha256 ${SHA} \\(verified\\)$`, "m"));
  assert.equal(hub.requests[0].headers.authorization, "Bearer hf_e2e_token_value");
  assert.equal(cdn.requests[0].headers.authorization, undefined);
  assert.ok(!run.stderr.includes("hf_e2e_token_value"));
});

test("offline mode refuses a pull from the internet; bad refs exit 2 with what to do", async () => {
  const sandbox = makeSandbox();
  const offline = await runHearth(sandbox, ["models", "pull", "--offline", "hf:owner/repo/m.gguf"]);
  assert.equal(offline.code, 1);
  assert.equal(
    offline.stderr,
    "hearth: offline mode (--offline) blocks the request to huggingface.co; downloads need the network; turn offline mode off to fetch it\n",
  );
  const bad = await runHearth(sandbox, ["models", "pull", "llama3"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^hearth: "llama3" is not a model reference; use hf:owner\/repo\/file\.gguf/);
  const badSha = await runHearth(sandbox, ["models", "pull", "hf:o/r/m.gguf", "--sha256", "xyz"]);
  assert.equal(badSha.code, 2);
  assert.match(badSha.stderr, /--sha256 takes the 64 hex digits/);
  const path = await runHearth(sandbox, ["models", "rm", "../settings.json"]);
  assert.equal(path.code, 2);
  assert.match(path.stderr, /deletes only files in .*models; give a name from hearth models/);
});

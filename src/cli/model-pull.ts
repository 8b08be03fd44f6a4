/**
 * Downloads one GGUF file into the models directory: resumable, verified, never a finished-looking file until
 * it is one. Bytes go to `<file>.partial` (with a `.partial.json` sidecar: URL without its query, size, the
 * published sha256, the server's validator) under a `.partial.lock` holding our pid; the partial is renamed to
 * `<file>` only after the size, the GGUF magic and the sha256 (when one is known) check out.
 *
 * Resume: a partial whose sidecar names the same URL continues with `Range: bytes=N-`, hashing the bytes already
 * on disk first. It starts over when the server ignores the Range (200), answers 416, or the file changed
 * (size, sha256 or ETag/Last-Modified differ).
 *
 * What is kept after a failure: the partial stays when its bytes are good (connection lost, no data for a while,
 * Ctrl-C, an HTTP error) so the same command resumes; it is removed when a write to disk failed (ENOSPC, EDQUOT,
 * EIO, ...: the disk is full or failing, and the space is the user's) and when the result is wrong (sha256
 * mismatch, not a GGUF file, more bytes than announced).
 */
import { createHash, type Hash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  openSync,
  readFileSync,
  readSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { type FileHandle, mkdir, open, rename, rm, stat, statfs, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { HttpError, readText } from "../egress/http-client.ts";
import { formatBytes } from "../protocol/byte-size.ts";
import type { HttpClient, HttpResponse } from "../protocol/http.ts";
import { type PartialSidecar, partialPaths, readSidecar } from "../providers/model-files.ts";
import type { DownloadProgress } from "./download-progress.ts";

export type PullRequest = {
  url: string;
  fileName: string;
  /** The models directory (created when missing). */
  dir: string;
  http: HttpClient;
  /** Aborting it (Ctrl-C) stops the download and keeps the partial file. */
  signal: AbortSignal;
  /** The sha256 the user expects, lowercase hex. */
  sha256?: string;
  /** Sent as `Authorization: Bearer` to this origin only; never to a host a redirect leads to. */
  token?: { origin: string; value: string };
  progress?: DownloadProgress;
  /** One-line notices (starting over, and why). */
  notice?: (line: string) => void;
  /** Writes one chunk to the partial file (tests inject disk errors). */
  writeChunk?: (file: FileHandle, chunk: Uint8Array) => Promise<void>;
  /** Free bytes for a new file in `dir`, or undefined when unknown (tests inject). */
  freeSpace?: (dir: string) => Promise<number | undefined>;
  /** Give up when no byte arrives for this long (default 60 s); the partial is kept. */
  idleTimeoutMs?: number;
};

export type PullOutcome =
  | { status: "done"; path: string; size: number; sha256: string; verified: boolean; resumedFrom: number }
  | { status: "exists"; path: string; size: number }
  | { status: "failed"; message: string }
  | { status: "interrupted"; message: string };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 8;
const DEFAULT_IDLE_MS = 60_000;
const DISK_FULL = new Set(["ENOSPC", "EDQUOT"]);

export async function pullModel(request: PullRequest): Promise<PullOutcome> {
  const finalPath = join(request.dir, request.fileName);
  try {
    await mkdir(request.dir, { recursive: true });
  } catch (error) {
    return failed(
      `cannot create ${request.dir} (${codeOf(error)}); check its permissions or set XDG_DATA_HOME`,
    );
  }
  const existing = await stat(finalPath).catch(() => undefined);
  if (existing) {
    if (request.sha256) {
      const digest = await hashFile(finalPath, existing.size, createHash("sha256"));
      if (digest.digest("hex") !== request.sha256)
        return failed(
          `${finalPath} exists but its sha256 is not ${request.sha256}; remove it with hearth models rm`,
        );
    }
    return { status: "exists", path: finalPath, size: existing.size };
  }
  const paths = partialPaths(finalPath);
  const lock = acquireLock(paths.lock);
  if (lock) return failed(lock);
  try {
    return await download(request, finalPath, paths);
  } finally {
    await rm(paths.lock, { force: true }).catch(() => {});
  }
}

type Paths = ReturnType<typeof partialPaths>;

async function download(request: PullRequest, finalPath: string, paths: Paths): Promise<PullOutcome> {
  const identity = urlIdentity(request.url);
  const sidecar = readSidecar(paths.sidecar);
  let have = (await stat(paths.partial).catch(() => undefined))?.size ?? 0;
  if (have > 0 && sidecar?.url !== identity) {
    request.notice?.(`an earlier partial download of ${request.fileName} is from another URL; starting over`);
    have = 0;
  } else if (have > 0 && sidecar?.size !== undefined && have >= sidecar.size) {
    if (have === sidecar.size) return finish(request, finalPath, paths, have, sidecar.sha256, have);
    have = 0; // longer than the file: not ours to trust
  }
  // Hash the bytes already here before asking for the rest, so the connection does not sit idle meanwhile.
  let resumed: Hash | undefined;
  if (have > 0) {
    if (have >= 100_000_000) request.notice?.(`checking the ${formatBytes(have)} downloaded so far`);
    try {
      resumed = await hashFile(paths.partial, have, createHash("sha256"), request.signal);
    } catch (error) {
      if (request.signal.aborted)
        return { status: "interrupted", message: "stopped; run the same command to resume" };
      return failed(
        `cannot read the partial download ${paths.partial} (${codeOf(error)}); delete it with hearth models rm`,
      );
    }
  }

  for (let attempt = 0; ; attempt++) {
    let silent = false;
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    request.signal.addEventListener("abort", onAbort, { once: true });
    try {
      // The same idle limit applies while waiting for the answer (redirects included).
      const idleMs = request.idleTimeoutMs ?? DEFAULT_IDLE_MS;
      const timer = setTimeout(() => {
        silent = true;
        controller.abort();
      }, idleMs);
      const got = await get(request, have, controller.signal).finally(() => clearTimeout(timer));
      if ("message" in got) return got;
      const { response, linked } = got;
      const host = new URL(request.url).host;
      const restart = (why: string) => {
        controller.abort();
        request.notice?.(`${why}; starting over`);
        have = 0;
      };
      if (response.status === 416 && have > 0 && attempt === 0) {
        restart(`${host} cannot resume at ${formatBytes(have)}`);
        continue;
      }
      if (response.status !== 200 && response.status !== 206) {
        controller.abort();
        return failed(statusMessage(response.status, host, request));
      }
      let start = 0;
      let total = linked.size;
      if (response.status === 206) {
        const range = parseContentRange(response.headers["content-range"]);
        if (!range || range.start !== have) {
          if (attempt > 0) return failed(`${host} sent a range that was not asked for; try again later`);
          restart(`${host} answered with the wrong part of the file`);
          continue;
        }
        start = have;
        total = range.total ?? total;
      } else {
        const length = Number(response.headers["content-length"]);
        if (Number.isSafeInteger(length) && response.headers["content-length"] !== "") total = length;
        if (have > 0)
          request.notice?.(`${host} does not resume downloads (it sent the whole file); starting over`);
      }
      const published = linked.sha256;
      const validator = published ? undefined : (response.headers.etag ?? response.headers["last-modified"]);
      const next: PartialSidecar = { url: identity, size: total, sha256: published, validator };
      if (start > 0 && sidecar && changed(sidecar, next)) {
        restart(`${request.fileName} changed on ${host} since the partial download`);
        continue;
      }
      if (request.sha256 && published && request.sha256 !== published) {
        controller.abort();
        return failed(
          `--sha256 ${request.sha256} does not match the sha256 ${host} publishes (${published})`,
        );
      }
      if (total !== undefined) {
        const free = await (request.freeSpace ?? freeBytes)(request.dir);
        if (free !== undefined && free < total - start) {
          controller.abort();
          const kept = start > 0 ? ` (the ${formatBytes(start)} downloaded so far are kept)` : "";
          return failed(
            `not enough space in ${request.dir}: ${request.fileName} needs ${formatBytes(total - start)} more, ` +
              `${formatBytes(free)} is free; free some space and run the same command again${kept}`,
          );
        }
      }
      try {
        await writeFile(paths.sidecar, `${JSON.stringify(next)}\n`, { mode: 0o644 });
      } catch (error) {
        controller.abort();
        await removePartial(paths);
        return failed(diskErrorMessage(error, request, 0, total));
      }
      const hash = start > 0 && resumed ? resumed : createHash("sha256");
      return await receive(request, finalPath, paths, {
        response,
        start,
        total,
        published,
        controller,
        hash,
      });
    } catch (error) {
      if (silent && !request.signal.aborted) {
        const seconds = Math.round((request.idleTimeoutMs ?? DEFAULT_IDLE_MS) / 1000);
        return failed(`no answer from ${new URL(request.url).host} in ${seconds} s; try again later`);
      }
      if (error instanceof HttpError) return httpFailure(error, request, 0, undefined, have > 0);
      throw error;
    } finally {
      request.signal.removeEventListener("abort", onAbort);
    }
  }
}

type Transfer = {
  response: HttpResponse;
  start: number;
  total: number | undefined;
  published: string | undefined;
  controller: AbortController;
  /** sha256 state over the first `start` bytes. */
  hash: Hash;
};

async function receive(
  request: PullRequest,
  finalPath: string,
  paths: Paths,
  t: Transfer,
): Promise<PullOutcome> {
  const hash = t.hash;
  let file: FileHandle;
  try {
    file = await open(paths.partial, t.start > 0 ? "a" : "w", 0o644);
  } catch (error) {
    t.controller.abort();
    await removePartial(paths);
    return failed(diskErrorMessage(error, request, t.start, t.total));
  }
  const write = request.writeChunk ?? writeAll;
  const idleMs = request.idleTimeoutMs ?? DEFAULT_IDLE_MS;
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const watch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      t.controller.abort();
    }, idleMs);
  };
  let done = t.start;
  request.progress?.start(done, t.total);
  watch();
  try {
    for await (const chunk of t.response.body) {
      watch();
      if (t.total !== undefined && done + chunk.length > t.total) {
        t.controller.abort();
        await file.close();
        await removePartial(paths);
        return failed(
          `the server sent more than the ${t.total} bytes it announced; the download was deleted`,
        );
      }
      hash.update(chunk);
      await write(file, chunk);
      done += chunk.length;
      request.progress?.update(done);
    }
    await file.datasync();
  } catch (error) {
    request.progress?.stop();
    await file.close().catch(() => {});
    if (error instanceof HttpError) {
      if (idle && !request.signal.aborted) {
        const host = new URL(request.url).host;
        return failed(
          `no data from ${host} for ${Math.round(idleMs / 1000)} s at ${progressText(done, t.total)}; ` +
            "run the same command to resume",
        );
      }
      return httpFailure(error, request, done, t.total, done > 0);
    }
    t.controller.abort();
    await removePartial(paths);
    return failed(diskErrorMessage(error, request, done, t.total));
  } finally {
    clearTimeout(timer);
  }
  await file.close();
  if (t.total !== undefined && done < t.total) {
    request.progress?.stop();
    return failed(`the connection ended at ${progressText(done, t.total)}; run the same command to resume`);
  }
  request.progress?.finish(done);
  return finish(request, finalPath, paths, done, t.published, t.start, hash);
}

/** All bytes are in the partial: check the magic and the sha256, then rename it to the final name. */
async function finish(
  request: PullRequest,
  finalPath: string,
  paths: Paths,
  size: number,
  published: string | undefined,
  resumedFrom: number,
  hash?: Hash,
): Promise<PullOutcome> {
  const digest = (hash ?? (await hashFile(paths.partial, size, createHash("sha256")))).digest("hex");
  const magic = readMagic(paths.partial);
  if (magic !== "GGUF") {
    await removePartial(paths);
    const what = magic.startsWith("vers") ? "a Git LFS pointer" : `it starts with ${JSON.stringify(magic)}`;
    return failed(`the download is not a GGUF model file (${what}); check the URL. Nothing was kept`);
  }
  const expected = request.sha256 ?? published;
  if (expected && digest !== expected) {
    await removePartial(paths);
    return failed(
      `sha256 mismatch for ${request.fileName}: expected ${expected}, got ${digest}; the download was deleted ` +
        (request.sha256 ? "(check the --sha256 value, or run again to retry)" : "(run again to retry)"),
    );
  }
  await rename(paths.partial, finalPath);
  await rm(paths.sidecar, { force: true });
  return { status: "done", path: finalPath, size, sha256: digest, verified: Boolean(expected), resumedFrom };
}

/** GET following redirects; each hop goes through the HTTP seam (offline guard, ledger). */
async function get(
  request: PullRequest,
  offset: number,
  signal: AbortSignal,
): Promise<
  | { response: HttpResponse; linked: { size?: number; sha256?: string } }
  | { status: "failed"; message: string }
> {
  let url = new URL(request.url);
  const linked: { size?: number; sha256?: string } = {};
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { "user-agent": "hearth", accept: "*/*" };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    if (request.token && url.origin === request.token.origin)
      headers.authorization = `Bearer ${request.token.value}`;
    const response = await request.http({
      method: "GET",
      url: url.href,
      headers,
      signal,
      purpose: "download",
    });
    // Hugging Face puts the LFS file's size and sha256 on the resolve response (before the CDN redirect).
    const size = Number(response.headers["x-linked-size"]);
    if (Number.isSafeInteger(size) && size > 0) linked.size = size;
    const sha = response.headers["x-linked-etag"]?.replace(/^W\//, "").replace(/"/g, "").trim().toLowerCase();
    if (sha && /^[0-9a-f]{64}$/.test(sha)) linked.sha256 = sha;
    const location = response.headers.location;
    if (!REDIRECTS.has(response.status) || !location) return { response, linked };
    await readText(response.body, 64 * 1024).catch(() => "");
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return failed(`${url.host} redirected to an invalid address`);
    }
    if (next.protocol !== "https:" && next.protocol !== "http:")
      return failed(
        `${url.host} redirected to a ${next.protocol} address; only http(s) downloads are supported`,
      );
    if (url.protocol === "https:" && next.protocol === "http:")
      return failed(`${url.host} redirected from https to plain http (${next.host}); refused`);
    url = next;
  }
  return failed(`${new URL(request.url).host} redirected more than ${MAX_REDIRECTS} times`);
}

function statusMessage(status: number, host: string, request: PullRequest): string {
  const hub = request.token?.origin === new URL(request.url).origin || /huggingface/.test(host);
  if (status === 401 || status === 403)
    return hub
      ? `${host} answered ${status}: the repository is gated or private; accept its terms on the website and set HF_TOKEN`
      : `${host} answered ${status}: the file needs credentials hearth does not have`;
  if (status === 404)
    return `${host} answered 404: no such file; check the owner, repository, file name and revision`;
  if (status === 429 || status >= 500) return `${host} answered ${status}; try again later`;
  return `${host} answered ${status} to the download request`;
}

function httpFailure(
  error: HttpError,
  request: PullRequest,
  done: number,
  total: number | undefined,
  resumable: boolean,
): PullOutcome {
  const resume = resumable ? "run the same command to resume" : "run the same command to try again";
  const at = done > 0 ? ` at ${progressText(done, total)}` : "";
  if (error.code === "aborted" || request.signal.aborted)
    return { status: "interrupted", message: `download stopped${at}; ${resume}` };
  if (error.code === "refused_offline") return failed(error.message);
  const host = new URL(request.url).host;
  if (done > 0)
    return failed(`the connection to ${host} broke${at} (${error.sysCode ?? error.message}); ${resume}`);
  const why = error.sysCode ? `${error.message} (${error.sysCode})` : error.message;
  return failed(`cannot download from ${host}: ${why}; check the URL and the network, then ${resume}`);
}

function diskErrorMessage(
  error: unknown,
  request: PullRequest,
  done: number,
  total: number | undefined,
): string {
  const code = codeOf(error);
  if (DISK_FULL.has(code)) {
    const need = total !== undefined ? `; it needs ${formatBytes(total)} free` : "";
    return (
      `no space left in ${request.dir} after ${formatBytes(done)} of ${request.fileName}${need}; ` +
      "the partial download was removed: free some space and run the same command again"
    );
  }
  if (code === "EIO")
    return `cannot write ${request.fileName} in ${request.dir} (EIO: the disk may be failing); the partial download was removed`;
  return `cannot write ${request.fileName} in ${request.dir} (${code}); the partial download was removed`;
}

function progressText(done: number, total: number | undefined): string {
  return total !== undefined ? `${formatBytes(done)} of ${formatBytes(total)}` : formatBytes(done);
}

function changed(before: PartialSidecar, now: PartialSidecar): boolean {
  const differ = (a: unknown, b: unknown) => a !== undefined && b !== undefined && a !== b;
  return (
    differ(before.size, now.size) ||
    differ(before.sha256, now.sha256) ||
    differ(before.validator, now.validator)
  );
}

/** `bytes 100-199/1000` -> start 100, total 1000 (undefined for `*`). */
export function parseContentRange(value: string | undefined): { start: number; total?: number } | undefined {
  const match = value?.match(/^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i);
  if (!match) return undefined;
  return { start: Number(match[1]), total: match[3] === "*" ? undefined : Number(match[3]) };
}

/** The URL a partial belongs to, without query or fragment (signed URLs carry secrets there). */
function urlIdentity(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  let written = 0;
  while (written < chunk.length) written += (await file.write(chunk, written)).bytesWritten;
}

/** Feed the first `length` bytes of a file to `hash`; throws when `signal` aborts. */
async function hashFile(path: string, length: number, hash: Hash, signal?: AbortSignal): Promise<Hash> {
  if (length === 0) return hash;
  for await (const chunk of createReadStream(path, {
    start: 0,
    end: length - 1,
    highWaterMark: 1024 * 1024,
  })) {
    signal?.throwIfAborted();
    hash.update(chunk as Buffer);
  }
  return hash;
}

function readMagic(path: string): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(4);
    const n = readSync(fd, buffer, 0, 4, 0);
    return buffer.subarray(0, n).toString("latin1");
  } finally {
    closeSync(fd);
  }
}

async function removePartial(paths: Paths): Promise<void> {
  await rm(paths.partial, { force: true }).catch(() => {});
  await rm(paths.sidecar, { force: true }).catch(() => {});
}

async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** Take the download lock; a message when another live process holds it. A stale lock (dead pid) is taken over. */
function acquireLock(path: string): string | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return undefined;
    } catch (error) {
      if (codeOf(error) !== "EEXIST") return `cannot create ${path} (${codeOf(error)})`;
      const pid = lockHolder(path);
      if (pid !== undefined && pid !== process.pid)
        return `another hearth (pid ${pid}) is downloading this file; wait for it or stop it first`;
      try {
        unlinkSync(path);
      } catch {
        // someone else took it over; the next attempt sees their lock
      }
    }
  }
  return `cannot take the download lock ${path}; try again`;
}

/** The pid of the live process holding a download lock, if any (a lock left by a killed pull has none). */
export function lockHolder(lockPath: string): number | undefined {
  const pid = Number.parseInt(readFileSafe(lockPath), 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return codeOf(error) === "EPERM";
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? (error as Error)?.message ?? String(error);
}

function failed(message: string): { status: "failed"; message: string } {
  return { status: "failed", message };
}

/**
 * A check of key-store.ts in a process of its own, for the keychain tests (keychain-backend.test.ts) and by
 * hand: `node --import tsx src/secrets/key-store-roundtrip.ts <provider>` with the key in HEARTH_ROUNDTRIP_KEY.
 * It sets, gets, lists and removes the key and prints one JSON object saying where each step found it. The
 * key value itself is printed only as whether it matched.
 */
import { openKeyStore, storedKey } from "./key-store.ts";

const provider = process.argv[2] ?? "roundtrip-test";
const value = process.env.HEARTH_ROUNDTRIP_KEY ?? `hearth-roundtrip-${process.pid}-${Date.now()}`;

const started = performance.now();
const store = await openKeyStore(process.env);
const openMs = Math.round(performance.now() - started);
const report: Record<string, unknown> = {
  backend: store.backend,
  keychainLabel: store.keychainLabel ?? null,
  keychainProblem: store.keychainProblem ?? null,
  openMs,
};
try {
  const set = await store.set(provider, value);
  report.set = set;
  const got = await storedKey(provider, process.env);
  report.get = got ? { where: got.where, matches: got.value === value } : null;
  report.list = await store.list();
  report.remove = await store.remove(provider);
  report.afterRemove = await storedKey(provider, process.env);
} catch (error) {
  report.error = error instanceof Error ? error.message : String(error);
}
process.stdout.write(`${JSON.stringify(report)}\n`);

/**
 * Identifiers for sessions and tool calls. They must be unique, not secret, so they come from the clock and
 * Math.random rather than node:crypto, which would cost about 8 ms at start-up for local models.
 * (The one runtime file in protocol/: ids are part of the protocol's vocabulary.)
 */

function randomHex(length: number): string {
  let out = "";
  while (out.length < length)
    out += Math.floor(Math.random() * 0x100000000)
      .toString(16)
      .padStart(8, "0");
  return out.slice(0, length);
}

/** A UUID in version 7 layout: 48 bits of milliseconds, then random bits; sorts by creation time. */
export function newSessionId(now: number = Date.now()): string {
  const time = now.toString(16).padStart(12, "0").slice(-12);
  const rand = randomHex(20);
  const variant = ((Number.parseInt(rand[3], 16) & 0x3) | 0x8).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${rand.slice(0, 3)}-${variant}${rand.slice(4, 7)}-${rand.slice(8, 20)}`;
}

/** A short id for a tool call the provider did not name, e.g. "call_3f9a1c2e". */
export function newCallId(): string {
  return `call_${randomHex(8)}`;
}

/** The prefix of the call id of a command the person ran (the UI's `!cmd`); the model's calls never have it. */
export const SHELL_CALL_PREFIX = "shell_";

/** Random hex for file names and prefixes. */
export function shortRandom(length = 8): string {
  return randomHex(length);
}

import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { storedKey } from "../secrets/key-store.ts";
import { type KeysStdin, runKeys } from "./keys-command.ts";

const posix = process.platform !== "win32";

describe("hearth keys (file backend)", () => {
  let base: string;
  let env: NodeJS.ProcessEnv;
  let file: string;
  const anthropicKey = `sk-ant-api03-canary${Date.now().toString(36)}XYZ`;
  const groqKey = `gsk_canary${Date.now().toString(36)}`;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), "hearth-keys-cmd-"));
    // HEARTH_KEYCHAIN=off: these tests must never write to the real keychain of the machine running them.
    env = { XDG_CONFIG_HOME: join(base, "config"), HEARTH_KEYCHAIN: "off" };
    file = join(base, "config", "hearth", "keys.json");
  });
  after(() => rm(base, { recursive: true, force: true }));

  async function run(args: string[], stdin: KeysStdin = Readable.from([]), extraEnv: NodeJS.ProcessEnv = {}) {
    let stdout = "";
    let stderr = "";
    const code = await runKeys(
      args,
      { ...env, ...extraEnv },
      {
        stdin,
        home: base,
        stdout: (t) => {
          stdout += t;
        },
        stderr: (t) => {
          stderr += t;
        },
      },
    );
    return { code, stdout, stderr };
  }

  it("lists nothing at first, and says plainly that the file is used and why", async () => {
    assert.deepEqual(await run(["list"]), {
      code: EXIT_OK,
      stdout:
        "the OS keychain is not available: turned off by HEARTH_KEYCHAIN=off\n" +
        `keys are stored in ${file} (mode 0600) instead\n` +
        "no stored keys (add one with `hearth keys set <provider>`)\n",
      stderr: "",
    });
  });

  it("stores a key piped on stdin in a 0600 file", async () => {
    const result = await run(["set", "anthropic"], Readable.from([`${anthropicKey}\n`]));
    assert.deepEqual(result, {
      code: EXIT_OK,
      stdout: `stored the anthropic key in ${file} (mode 0600)\n`,
      stderr: "",
    });
    assert.deepEqual(JSON.parse(await readFile(file, "utf8")), { keys: { anthropic: anthropicKey } });
    if (posix) assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await storedKey("anthropic", env), { value: anthropicKey, where: "file" });
  });

  it("stores a custom provider's key and notes that settings must name it", async () => {
    const result = await run(["set", "groq"], Readable.from([groqKey]));
    assert.equal(result.code, EXIT_OK);
    assert.match(result.stdout, /^stored the groq key in .*keys\.json \(mode 0600\)\n/);
    assert.match(result.stdout, /note: "groq" is not a built-in provider \(anthropic, openai, google\)/);
  });

  it("lists names and where each is stored, never the values", async () => {
    const result = await run(["list"]);
    assert.equal(result.code, EXIT_OK);
    assert.equal(result.stderr, "");
    assert.equal(
      result.stdout,
      "the OS keychain is not available: turned off by HEARTH_KEYCHAIN=off\n" +
        `keys are stored in ${file} (mode 0600) instead\n` +
        `  anthropic  file ${file}\n` +
        `  groq       file ${file}\n`,
    );
  });

  it("says when an environment variable takes precedence, without printing either key", async () => {
    const envKey = "sk-ant-from-env-canary";
    const result = await run(["list"], undefined, { ANTHROPIC_API_KEY: envKey });
    assert.match(result.stdout, /anthropic {2}file .*\(ANTHROPIC_API_KEY is set and takes precedence\)/);
    for (const secret of [envKey, anthropicKey, groqKey]) {
      assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret));
    }
    const set = await run(["set", "anthropic"], Readable.from([anthropicKey]), { ANTHROPIC_API_KEY: envKey });
    assert.match(set.stdout, /note: ANTHROPIC_API_KEY is set in this environment and takes precedence/);
  });

  it("refuses a key on the command line, and bad input, storing nothing", async () => {
    const onArgv = await run(["set", "openai", "sk-proj-oops"]);
    assert.equal(onArgv.code, EXIT_USAGE);
    assert.match(onArgv.stderr, /never put a key on the command line/);
    assert.ok(!onArgv.stderr.includes("sk-proj-oops"));

    const empty = await run(["set", "openai"], Readable.from(["\n"]));
    assert.equal(empty.code, EXIT_FAILED);
    assert.match(empty.stderr, /no key on stdin; pipe one in: echo "\$KEY" \| hearth keys set openai/);

    const two = await run(["set", "openai"], Readable.from(["sk-one\nsk-two\n"]));
    assert.equal(two.code, EXIT_FAILED);
    assert.match(two.stderr, /expected one key with no spaces, line breaks or control characters/);
    assert.ok(!two.stderr.includes("sk-one"));

    const badName = await run(["set", "../etc"], Readable.from(["k"]));
    assert.equal(badName.code, EXIT_USAGE);
    assert.match(badName.stderr, /"\.\.\/etc" is not a provider name/);

    assert.equal(await storedKey("openai", env), null);
  });

  it("prompts on a terminal without echo, and puts the terminal back", async () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true, raw: [] as boolean[] });
    const ttyStdin = Object.assign(tty, { setRawMode: (raw: boolean) => tty.raw.push(raw) });
    const pending = run(["set", "openai"], ttyStdin);
    // Typed with a slip corrected by Backspace, then Enter.
    setImmediate(() => ttyStdin.write("sk-proj-typedX\u007f"));
    setTimeout(() => ttyStdin.write("Key\r"), 10);
    const result = await pending;
    assert.equal(result.code, EXIT_OK);
    assert.equal(result.stderr, "openai API key (input hidden): \n");
    assert.match(result.stdout, /^stored the openai key in /);
    assert.deepEqual(ttyStdin.raw, [true, false]);
    assert.deepEqual(await storedKey("openai", env), { value: "sk-proj-typedKey", where: "file" });
  });

  it("stores nothing when the prompt is cancelled with Ctrl-C", async () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
    const pending = run(["set", "google"], tty);
    setImmediate(() => tty.write("AIzaPartial\u0003"));
    const result = await pending;
    assert.equal(result.code, EXIT_INTERRUPTED);
    assert.match(result.stderr, /cancelled; nothing stored/);
    assert.equal(await storedKey("google", env), null);
  });

  it("removes a key, and says when there was none", async () => {
    assert.deepEqual(await run(["rm", "groq"]), {
      code: EXIT_OK,
      stdout: `removed the groq key from ${file} (mode 0600)\n`,
      stderr: "",
    });
    assert.deepEqual(await run(["rm", "groq"]), {
      code: EXIT_OK,
      stdout: "no stored key for groq\n",
      stderr: "",
    });
    assert.deepEqual(Object.keys(JSON.parse(await readFile(file, "utf8")).keys).sort(), [
      "anthropic",
      "openai",
    ]);
  });

  it("refuses a key file others can read, with the chmod command, everywhere", {
    skip: !posix && "POSIX modes",
  }, async () => {
    await chmod(file, 0o644);
    const list = await run(["list"]);
    assert.equal(list.code, EXIT_FAILED);
    assert.equal(
      list.stderr,
      `hearth: ${file}: refusing to read keys from a file other users can access (mode 644); run \`chmod 600 ${file}\` (and consider rotating the keys in it)\n`,
    );
    assert.ok(!list.stdout.includes(anthropicKey));
    // The real mode, not the one the file should have.
    assert.match(
      list.stdout,
      new RegExp(
        `keys are stored in ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(mode 0644: other users can access it; run \`chmod 600 `,
      ),
    );
    assert.doesNotMatch(list.stdout, /0600/);
    const set = await run(["set", "anthropic"], Readable.from(["sk-ant-new"]));
    assert.equal(set.code, EXIT_FAILED);
    assert.match(set.stderr, /chmod 600/);
    await assert.rejects(storedKey("anthropic", env), /chmod 600/);
    await chmod(file, 0o600);
    assert.deepEqual(await storedKey("anthropic", env), { value: anthropicKey, where: "file" });
  });

  it("explains its usage", async () => {
    const none = await run([]);
    assert.equal(none.code, EXIT_USAGE);
    assert.match(none.stderr, /hearth keys set <provider>/);
    const help = await run(["--help"]);
    assert.equal(help.code, EXIT_OK);
    assert.match(help.stdout, /hearth keys list/);
    const unknown = await run(["show", "anthropic"]);
    assert.equal(unknown.code, EXIT_USAGE);
    assert.match(unknown.stderr, /unknown keys command "show"/);
    assert.equal((await run(["rm"])).code, EXIT_USAGE);
    assert.equal((await run(["list", "x"])).code, EXIT_USAGE);
  });
});

/**
 * Image attachments through the session runtime, against the fake model server on loopback: what reaches the
 * model and the session file, what is refused before anything is read or sent, and what `-c` sends again.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { IMAGE_HEADS, largePng, makePng } from "../../test/support/images.ts";
import {
  answer,
  openRuntime as open,
  type RuntimeSetup,
  sessionRecords,
  setUpRuntime as setUp,
  untilPromptEnds,
} from "../../test/support/runtime-session.ts";
import type { Attachment } from "../protocol/commands.ts";
import type { SessionEvent } from "../protocol/events.ts";
import type { RuntimeSession } from "./session-runtime.ts";

const PNG = makePng(4, 3);
const DATA_URL = `data:image/png;base64,${PNG.toString("base64")}`;

/** Submits a prompt and reads its events to its end. */
async function prompt(
  session: RuntimeSession,
  events: AsyncIterator<SessionEvent>,
  seen: SessionEvent[],
  text: string,
  attachments?: Attachment[],
) {
  session.submit({ type: "prompt", text, ...(attachments ? { attachments } : {}) });
  return untilPromptEnds(events, seen);
}

function sessionsWritten(setup: RuntimeSetup): boolean {
  return existsSync(join(setup.env.XDG_DATA_HOME as string, "hearth", "sessions"));
}

test("an image reaches the model as an image part before the text; the session file keeps it, the event names it", async () => {
  const setup = await setUp(
    [answer("a red square")],
    { "notes.txt": "colours\n" },
    {
      providers: { fake: { images: true } },
    },
  );
  mkdirSync(join(setup.project, "shots"));
  writeFileSync(join(setup.project, "shots", "shot.png"), PNG);
  const session = await open(setup);
  const events = session.events[Symbol.asyncIterator]();
  const seen: SessionEvent[] = [];
  const ended = await prompt(session, events, seen, "what is this?", [
    { type: "image", path: "shots/shot.png" },
    { type: "file", path: "notes.txt" },
  ]);
  assert.equal(ended.reason, "done", ended.error);
  const messages = setup.fake.modelRequests[0].body?.messages as unknown[];
  assert.deepEqual(messages.at(-1), {
    role: "user",
    content: [
      { type: "image_url", image_url: { url: DATA_URL } },
      { type: "text", text: '<file path="notes.txt">\ncolours\n</file>\n\nwhat is this?' },
    ],
  });
  const user = seen.find((e) => e.type === "user_message");
  assert.ok(user?.type === "user_message");
  assert.deepEqual(user.images, [{ name: "shots/shot.png", mediaType: "image/png", bytes: PNG.length }]);
  assert.doesNotMatch(JSON.stringify(seen), /iVBOR/, "no event carries the base64");
  const recorded = sessionRecords(setup, session.info.sessionId).find((r) => r.type === "message");
  assert.ok(recorded);
  assert.deepEqual((recorded.message as { content: unknown[] }).content[0], {
    type: "image",
    mediaType: "image/png",
    data: PNG.toString("base64"),
    name: "shots/shot.png",
  });
  session.submit({ type: "close" });
  await session.closed;
});

test("base64 from the client (image_data) goes out in the adapter's own shape (Anthropic's here)", async () => {
  const setup = await setUp(
    [answer("a red square")],
    {},
    {
      providers: { claude: { api: "anthropic-messages", images: true } },
    },
  );
  const session = await open(setup, { model: "claude/c" });
  const events = session.events[Symbol.asyncIterator]();
  const data = PNG.toString("base64");
  // Declared as a JPEG: the bytes say PNG, and PNG is what the model is told.
  const ended = await prompt(session, events, [], "describe it", [
    { type: "image_data", mediaType: "image/jpeg", data, name: "pasted" },
  ]);
  assert.equal(ended.reason, "done", ended.error);
  const messages = setup.fake.modelRequests[0].body?.messages as Array<{ content: unknown[] }>;
  assert.deepEqual(messages[0].content, [
    { type: "image", source: { type: "base64", media_type: "image/png", data } },
    { type: "text", text: "describe it", cache_control: { type: "ephemeral" } },
  ]);
  session.submit({ type: "close" });
  await session.closed;
});

test("a model that takes no images, or is not known to, is refused before anything is read, sent or saved", async () => {
  const setup = await setUp(
    [],
    {},
    { providers: { plain: { images: false }, other: { images: ["vision"] } } },
  );
  writeFileSync(join(setup.project, "shot.png"), PNG);
  const data = PNG.toString("base64");
  const cases: Array<[string, Attachment, RegExp]> = [
    [
      "fake/m",
      { type: "image", path: "shot.png" },
      /^hearth does not know whether fake\/m takes images \(image\/png, image\/jpeg, image\/gif, image\/webp\); if it does, say so in settings: "providers": \{"fake": \{"images": true\}\} \(or a list of its models that do, e\.g\. "images": \["m"\]\); else use a model that does/,
    ],
    [
      "other/m",
      { type: "image_data", mediaType: "image/png", data },
      /^hearth does not know whether other\/m/,
    ],
    [
      "plain/m",
      { type: "image", path: "missing.png" },
      /^plain\/m does not take images \("images" of provider "plain" in settings says so\); use a model that does/,
    ],
  ];
  for (const [model, attachment, refusal] of cases) {
    const session = await open(setup, { model });
    const events = session.events[Symbol.asyncIterator]();
    const ended = await prompt(session, events, [], "look", [attachment]);
    assert.equal(ended.reason, "error", model);
    assert.match(ended.error ?? "", refusal);
    session.submit({ type: "close" });
    await session.closed;
  }
  assert.equal(setup.fake.modelRequests.length, 0, "no request");
  assert.ok(!sessionsWritten(setup), "no session file for a prompt that never ran");
});

test("not an image, too large, denied, a secret, outside the workspace or a symlink out of it: refused as a file would be", async () => {
  const setup = await setUp(
    [answer("seen")],
    { "fake.png": "just text, named .png\n", ".env": "TOKEN=abc\n" },
    {
      providers: { fake: { images: true } },
      permissions: { deny: ["read(private/**)"] },
    },
  );
  writeFileSync(join(setup.project, "big.png"), largePng(6_000_000));
  mkdirSync(join(setup.project, "private"));
  writeFileSync(join(setup.project, "private", "p.png"), PNG);
  const elsewhere = mkdtempSync(join(tmpdir(), "hearth-outside-"));
  writeFileSync(join(elsewhere, "real.png"), PNG);
  symlinkSync(join(elsewhere, "real.png"), join(setup.project, "link.png"));
  const session = await open(setup);
  const events = session.events[Symbol.asyncIterator]();
  const cases: Array<[string, RegExp]> = [
    [
      "fake.png",
      /^cannot attach fake\.png: it is not a PNG, JPEG, GIF or WebP image \(told by its first bytes/,
    ],
    [
      "big.png",
      /^cannot attach big\.png: it is 6\.0 MB; an image may be at most 3\.9 MB \(5 MiB once base64/,
    ],
    [
      "private/p.png",
      /^cannot attach private\/p\.png: .*read\(private\/\*\*\).*; paste what is needed instead$/,
    ],
    [
      ".env",
      /^cannot attach \.env: reads a \.env file, which may hold secrets .+; paste what is needed instead$/,
    ],
    [join(elsewhere, "real.png"), /^cannot attach .+real\.png: path ".+" is outside the workspace/],
    ["link.png", /^cannot attach link\.png: path "link\.png" is outside the workspace .+\(it resolves to /],
  ];
  for (const [path, refusal] of cases) {
    const ended = await prompt(session, events, [], "look", [{ type: "image", path }]);
    assert.equal(ended.reason, "error", path);
    assert.match(ended.error ?? "", refusal);
  }
  // A text file sent as an image is refused above; an image sent as a text file says how to send it.
  const asFile = await prompt(session, events, [], "look", [{ type: "file", path: "big.png" }]);
  assert.match(asFile.error ?? "", /^cannot attach big\.png: 6\d{6} bytes is over 256000/);
  writeFileSync(join(setup.project, "small.png"), PNG);
  const small = await prompt(session, events, [], "look", [{ type: "file", path: "small.png" }]);
  assert.match(
    small.error ?? "",
    /^cannot attach small\.png: it is a PNG image, not text; attach it as \{"type":"image","path":\.\.\.\}$/,
  );
  assert.equal(setup.fake.modelRequests.length, 0, "nothing refused reached the model");
  const fine = await prompt(session, events, [], "look", [{ type: "image", path: "small.png" }]);
  assert.equal(fine.reason, "done", fine.error);
  session.submit({ type: "close" });
  await session.closed;
});

test("-c after an image prompt sends the same image again; a model that takes none gets its placeholder instead", async () => {
  const setup = await setUp(
    [answer("red"), answer("still red"), answer("I cannot see it")],
    {},
    {
      providers: { fake: { images: true }, plain: { images: false } },
    },
  );
  writeFileSync(join(setup.project, "shot.png"), PNG);
  const first = await open(setup);
  const firstEvents = first.events[Symbol.asyncIterator]();
  await prompt(first, firstEvents, [], "what colour?", [{ type: "image", path: "shot.png" }]);
  first.submit({ type: "close" });
  await first.closed;

  const again = await open(setup, { continue: true });
  const events = again.events[Symbol.asyncIterator]();
  const seen: SessionEvent[] = [];
  assert.equal((await prompt(again, events, seen, "sure?")).reason, "done");
  const [before, after] = setup.fake.modelRequests.map((r) => r.body?.messages as unknown[]);
  assert.deepEqual(after.slice(0, before.length), before, "the first prompt goes out again byte for byte");
  assert.ok(JSON.stringify(after).includes(DATA_URL));

  again.submit({ type: "set_model", model: "plain/m" });
  assert.equal((await prompt(again, events, seen, "and now?")).reason, "done");
  const plain = JSON.stringify(setup.fake.modelRequests[2].body?.messages);
  assert.ok(!plain.includes("base64"), "no image to a model that takes none");
  assert.ok(
    plain.includes(
      `[image: shot.png, ${PNG.length} B, not sent: this model is not known to take images]\\nwhat colour?`,
    ),
    plain,
  );
  again.submit({ type: "close" });
  await again.closed;
});

test("a GIF, which the Gemini API does not take, is refused for Gemini and left out of its requests", async () => {
  const setup = await setUp(
    [answer("an animation"), answer("a still")],
    {},
    {
      providers: { fake: { images: true }, gem: { api: "gemini", images: true } },
    },
  );
  writeFileSync(join(setup.project, "anim.gif"), IMAGE_HEADS["image/gif"]);
  writeFileSync(join(setup.project, "shot.png"), PNG);
  const gemini = await open(setup, { model: "gem/g" });
  const refused = await prompt(gemini, gemini.events[Symbol.asyncIterator](), [], "look", [
    { type: "image", path: "anim.gif" },
  ]);
  assert.equal(
    refused.error,
    "cannot attach anim.gif: gem/g takes no GIF images (PNG, JPEG, WebP are fine); convert it",
  );
  gemini.submit({ type: "close" });
  await gemini.closed;
  assert.equal(setup.fake.modelRequests.length, 0);

  const session = await open(setup);
  const events = session.events[Symbol.asyncIterator]();
  const both: Attachment[] = [
    { type: "image", path: "anim.gif" },
    { type: "image", path: "shot.png" },
  ];
  assert.equal((await prompt(session, events, [], "compare", both)).reason, "done");
  session.submit({ type: "set_model", model: "gem/g" });
  assert.equal((await prompt(session, events, [], "and now?", [])).reason, "done");
  const contents = setup.fake.modelRequests[1].body?.contents as Array<{ parts: unknown[] }>;
  assert.deepEqual(contents[0].parts, [
    {
      text: `[image: anim.gif, ${IMAGE_HEADS["image/gif"].length} B, not sent: this model takes no image/gif]`,
    },
    { inlineData: { mimeType: "image/png", data: PNG.toString("base64") } },
    { text: "compare" },
  ]);
  session.submit({ type: "close" });
  await session.closed;
});

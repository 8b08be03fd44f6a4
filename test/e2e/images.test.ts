/**
 * End to end: images over `--input-format stream-json`, as a client sends them (a prompt command's image
 * attachment by path, Claude Code's base64 image block), against the fake model server; then what the session
 * keeps of them: `-c` sends them again, and search, show and export name them without their base64.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makePng } from "../support/images.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const STREAM = ["-p", "--input-format", "stream-json", "--output-format", "stream-json"];
const line = (value: unknown) => `${JSON.stringify(value)}\n`;

test("a PNG by path and one in Claude Code's image block reach the model; -c sends them again; listings name them", async () => {
  const fake = await startFakeServer({
    script: [{ text: "a red square" }, { text: "a blue one" }, { text: "both" }],
  });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1`, images: ["vision-model"] } },
    model: "fake/vision-model",
    sandbox: { enabled: false },
  });
  const red = makePng(5, 4, [220, 20, 20, 255]);
  const bluePng = makePng(2, 2, [20, 20, 220, 255]);
  const blue = bluePng.toString("base64");
  writeFileSync(join(sandbox.project, "shot.png"), red);

  const run = await runHearth(sandbox, STREAM, {
    stdin:
      line({ type: "prompt", text: "what is in it?", attachments: [{ type: "image", path: "shot.png" }] }) +
      line({
        type: "user",
        message: {
          role: "user",
          content: [
            { type: "text", text: "and this one?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: blue } },
          ],
        },
        session_id: "default",
        parent_tool_use_id: null,
      }),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    run.events.filter((e) => e.type === "result").map((e) => [e.subtype, e.result]),
    [
      ["success", "a red square"],
      ["success", "a blue one"],
    ],
  );
  const users = run.events.filter((e) => e.type === "user_message");
  assert.deepEqual(
    users.map((e) => e.images),
    [
      [{ name: "shot.png", mediaType: "image/png", bytes: red.length }],
      [{ mediaType: "image/png", bytes: bluePng.length }],
    ],
  );
  assert.ok(
    !run.stdout.includes(blue) && !run.stdout.includes(red.toString("base64")),
    "no base64 on stdout",
  );
  const last = (index: number) =>
    (fake.modelRequests[index].body?.messages as Array<{ content: unknown }> | undefined)?.at(-1);
  assert.deepEqual(last(0)?.content, [
    { type: "image_url", image_url: { url: `data:image/png;base64,${red.toString("base64")}` } },
    { type: "text", text: "what is in it?" },
  ]);
  assert.deepEqual(last(1)?.content, [
    { type: "image_url", image_url: { url: `data:image/png;base64,${blue}` } },
    { type: "text", text: "and this one?" },
  ]);

  const continued = await runHearth(sandbox, ["-c", "-p", "which was first?"]);
  assert.equal(continued.code, 0, continued.stderr);
  assert.equal(continued.stdout, "both\n");
  const replayed = JSON.stringify(fake.modelRequests[2].body?.messages);
  assert.ok(replayed.includes(red.toString("base64")) && replayed.includes(blue), "both images sent again");

  const search = await runHearth(sandbox, ["sessions", "search", "shot.png"]);
  assert.equal(search.code, 0, search.stderr);
  assert.match(search.stdout, /what is in it\?/);
  const id = String(run.events.find((e) => e.type === "result")?.session_id);
  const show = await runHearth(sandbox, ["sessions", "show", id]);
  assert.match(show.stdout, new RegExp(`\\[image: shot\\.png, ${red.length} B\\]\\nwhat is in it\\?`));
  assert.match(show.stdout, new RegExp(`\\[image: image/png, ${bluePng.length} B\\]\\nand this one\\?`));
  const exported = await runHearth(sandbox, ["sessions", "export", id, "--format", "json"]);
  assert.equal(exported.code, 0, exported.stderr);
  for (const text of [show.stdout, exported.stdout])
    assert.ok(!text.includes(blue) && !text.includes("iVBOR"));
  const json = JSON.parse(exported.stdout);
  assert.deepEqual(json.messages[0].content[0], {
    type: "image",
    mediaType: "image/png",
    name: "shot.png",
    bytes: red.length,
  });
});

test("a model not known to take images: the prompt is refused with the setting that says it does", async () => {
  const fake = await startFakeServer({ script: [{ text: "never" }] });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
    sandbox: { enabled: false },
  });
  writeFileSync(join(sandbox.project, "shot.png"), makePng());
  const run = await runHearth(sandbox, STREAM, {
    stdin: line({ type: "prompt", text: "look", attachments: [{ type: "image", path: "shot.png" }] }),
  });
  assert.equal(run.code, 1, run.stderr);
  const result = run.events.find((e) => e.type === "result");
  assert.equal(result?.is_error, true);
  assert.match(
    String(result?.error),
    /^hearth does not know whether fake\/m takes images .*"providers": \{"fake": \{"images": true\}\}/,
  );
  assert.equal(fake.modelRequests.length, 0);
});

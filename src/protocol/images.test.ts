import assert from "node:assert/strict";
import { test } from "node:test";
import { IMAGE_HEADS, largePng, makePng } from "../../test/support/images.ts";
import {
  decodedLength,
  imageFromBase64,
  imageFromBytes,
  imagePlaceholder,
  imagesOf,
  MAX_IMAGE_BASE64,
  MAX_IMAGE_BYTES,
  sniffImageType,
  userText,
} from "./images.ts";
import type { ImagePart } from "./messages.ts";

test("the four image types are told apart by their first bytes, never by a name", () => {
  assert.equal(sniffImageType(makePng()), "image/png");
  for (const [type, head] of Object.entries(IMAGE_HEADS)) assert.equal(sniffImageType(head), type);
  assert.equal(sniffImageType(Buffer.from("GIF87a")), "image/gif");
  for (const other of ["hello, world\n", "GIF88a", "RIFF\x10\x00\x00\x00WAVEfmt ", "\x89PNG\r\n", ""])
    assert.equal(sniffImageType(Buffer.from(other, "latin1")), null, JSON.stringify(other));
});

test("bytes become an image part (base64 of every byte) or say why not", () => {
  const png = makePng(3, 2);
  const checked = imageFromBytes(png, "shots/a.png");
  assert.ok(checked.ok);
  assert.deepEqual(checked.image, {
    type: "image",
    mediaType: "image/png",
    data: png.toString("base64"),
    name: "shots/a.png",
  });
  assert.deepEqual(Buffer.from(checked.image.data, "base64"), png);

  const text = imageFromBytes(Buffer.from("not a picture\n"), "fake.png");
  assert.deepEqual(text, {
    ok: false,
    problem: "it is not a PNG, JPEG, GIF or WebP image (told by its first bytes, not its name)",
  });
  assert.ok(imageFromBytes(largePng(MAX_IMAGE_BYTES - 200)).ok, "just under the cap");
  const big = imageFromBytes(largePng(6_000_000));
  assert.ok(!big.ok);
  assert.match(
    big.problem,
    /^it is 6\.0 MB; an image may be at most 3\.9 MB \(5 MiB once base64-encoded, the most Anthropic's API takes\): scale it down/,
  );
  assert.equal(MAX_IMAGE_BYTES, 3_932_160);
  assert.ok(Buffer.alloc(MAX_IMAGE_BYTES).toString("base64").length <= MAX_IMAGE_BASE64);
});

test("base64 from a client: the type declared must be one of the four, the data strict base64, the bytes an image", () => {
  const png = makePng();
  const data = png.toString("base64");
  const ok = imageFromBase64(data, "image/png");
  assert.ok(ok.ok && ok.image.data === data && ok.image.mediaType === "image/png");
  const declaredWrong = imageFromBase64(data, "image/jpeg");
  assert.ok(declaredWrong.ok && declaredWrong.image.mediaType === "image/png", "the bytes win");
  const problem = (value: string, type = "image/png") => {
    const checked = imageFromBase64(value, type);
    assert.ok(!checked.ok, value.slice(0, 20));
    return checked.problem;
  };
  assert.match(problem(data, "image/svg+xml"), /^media type "image\/svg\+xml" is not one of image\/png, /);
  assert.match(problem(`${data.slice(0, 20)}\n${data.slice(20)}`), /^the data is not base64/);
  assert.match(problem(data.replace(/=+$/, "")), /^the data is not base64/);
  assert.match(problem(`data:image/png;base64,${data}`), /^the data is not base64/);
  assert.match(problem(Buffer.from("plain text!!").toString("base64")), /not a PNG, JPEG, GIF or WebP/);
  assert.match(problem(largePng(4_000_000).toString("base64")), /^it is 4\.0 MB; an image may be at most/);
});

test("where only text goes, an image is its placeholder: name (or type) and size, never the base64", () => {
  const image: ImagePart = {
    type: "image",
    mediaType: "image/png",
    data: largePng(120_000).toString("base64"),
  };
  assert.equal(decodedLength(image.data), largePng(120_000).length);
  assert.equal(imagePlaceholder({ ...image, name: "shot.png" }), "[image: shot.png, 120 kB]");
  assert.equal(imagePlaceholder(image, "not sent"), "[image: image/png, 120 kB, not sent]");
  const content = [
    { ...image, name: "a.png" },
    { type: "text" as const, text: "what is wrong here?" },
  ];
  assert.equal(userText(content), "[image: a.png, 120 kB]\nwhat is wrong here?");
  assert.equal(userText("plain"), "plain");
  assert.equal(imagesOf(content).length, 1);
  assert.deepEqual(imagesOf("plain"), []);
});

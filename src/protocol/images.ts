/**
 * Images in user messages: which ones hearth takes (PNG, JPEG, GIF, WebP, told apart by their first bytes, never by
 * a name), how large, and how they read where only text goes (a listing, the search index, a summary, a model that
 * takes no images): `[image: shot.png, 120 kB]`, never the base64. Here in protocol/ because the fronts (checking
 * what a client sends), the runtime, the store and the agent all need the same answers; a small runtime file,
 * like byte-size.ts.
 */
import { formatBytes } from "./byte-size.ts";
import type { ImageMediaType, ImagePart, UserMessage } from "./messages.ts";
import type { ApiId } from "./model-apis.ts";

export const IMAGE_MEDIA_TYPES = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
] as const satisfies readonly ImageMediaType[];

/**
 * The image types a wire protocol takes: the four, except that the Gemini API takes no GIF (its image types are
 * PNG, JPEG, WebP, HEIC and HEIF), and the embedded engine none.
 */
export function imageTypesTaken(api: ApiId): readonly ImageMediaType[] {
  if (api === "embedded") return [];
  return api === "gemini" ? IMAGE_MEDIA_TYPES.filter((type) => type !== "image/gif") : IMAGE_MEDIA_TYPES;
}

/**
 * The largest image, as base64 characters: Anthropic refuses an image whose base64 is over 5 MiB ("image exceeds
 * 5 MB maximum"), and OpenAI and Gemini take at least that; one cap for every model, so a session with an image
 * can move to another model.
 */
export const MAX_IMAGE_BASE64 = 5 * 1024 * 1024;
/** The same cap on the image file itself (base64 makes 3 bytes 4 characters): 3,932,160 bytes. */
export const MAX_IMAGE_BYTES = (MAX_IMAGE_BASE64 / 4) * 3;

export type ImageCheck = { ok: true; image: ImagePart } | { ok: false; problem: string };

/** The image type the bytes start with, or null when they are none of the four. */
export function sniffImageType(bytes: Uint8Array): ImageMediaType | null {
  const starts = (at: number, ...values: number[]) => values.every((value, i) => bytes[at + i] === value);
  if (starts(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (starts(0, 0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0, 0x47, 0x49, 0x46, 0x38) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61)
    return "image/gif";
  if (starts(0, 0x52, 0x49, 0x46, 0x46) && starts(8, 0x57, 0x45, 0x42, 0x50)) return "image/webp";
  return null;
}

/** Bytes (a file's) as an image part, or why they cannot be one. `name` is what the person called it. */
export function imageFromBytes(bytes: Uint8Array, name?: string): ImageCheck {
  const tooLarge = imageSizeProblem(bytes.length);
  if (tooLarge) return { ok: false, problem: tooLarge };
  const mediaType = sniffImageType(bytes);
  if (!mediaType) return { ok: false, problem: NOT_AN_IMAGE };
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64");
  return { ok: true, image: { type: "image", mediaType, data, ...(name ? { name } : {}) } };
}

/**
 * Base64 a client sent, said to be of `mediaType`, as an image part: strict base64 (no line breaks, padded),
 * under the cap, and bytes of one of the four types. When the bytes are of another of the four than the one
 * declared, they win (a model refuses an image whose declared type is wrong).
 */
export function imageFromBase64(data: string, mediaType: string, name?: string): ImageCheck {
  if (!(IMAGE_MEDIA_TYPES as readonly string[]).includes(mediaType))
    return {
      ok: false,
      problem: `media type ${JSON.stringify(mediaType)} is not one of ${IMAGE_MEDIA_TYPES.join(", ")}`,
    };
  if (!BASE64.test(data) || data.length % 4 !== 0)
    return {
      ok: false,
      problem: "the data is not base64 (standard alphabet, padded with =, no line breaks)",
    };
  // Told before decoding (valid base64 over the cap decodes to more than MAX_IMAGE_BYTES).
  const tooLarge = data.length > MAX_IMAGE_BASE64 ? imageSizeProblem(decodedLength(data)) : null;
  if (tooLarge) return { ok: false, problem: tooLarge };
  return imageFromBytes(Buffer.from(data, "base64"), name);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const NOT_AN_IMAGE = "it is not a PNG, JPEG, GIF or WebP image (told by its first bytes, not its name)";

/** Why an image of `bytes` bytes is too large, or null when it is not. */
export function imageSizeProblem(bytes: number): string | null {
  if (bytes <= MAX_IMAGE_BYTES) return null;
  return (
    `it is ${formatBytes(bytes)}; an image may be at most ${formatBytes(MAX_IMAGE_BYTES)} ` +
    `(5 MiB once base64-encoded, the most Anthropic's API takes): scale it down, crop it, or save it as JPEG`
  );
}

/** The size of the image a base64 string holds, in bytes. */
export function decodedLength(data: string): number {
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}

/** `[image: shot.png, 120 kB]`: an image where only text goes; `note` is added after the size. */
export function imagePlaceholder(image: ImagePart, note?: string): string {
  const size = formatBytes(decodedLength(image.data));
  return `[image: ${image.name ?? image.mediaType}, ${size}${note ? `, ${note}` : ""}]`;
}

/** The images of a user message (none when it is plain text). */
export function imagesOf(content: UserMessage["content"]): ImagePart[] {
  return typeof content === "string"
    ? []
    : content.filter((part): part is ImagePart => part.type === "image");
}

/**
 * A user message as text: its text parts, and each image as its placeholder (with `imageNote` in it), one part
 * a line. Plain text comes back as it is.
 */
export function userText(content: UserMessage["content"], options: { imageNote?: string } = {}): string {
  if (typeof content === "string") return content;
  return content
    .map((part) => (part.type === "text" ? part.text : imagePlaceholder(part, options.imageNote)))
    .join("\n");
}

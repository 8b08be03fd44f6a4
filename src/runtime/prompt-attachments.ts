/**
 * Files a person attaches to a prompt (`@path` in the UI, `attachments` in the prompt command): read confined to
 * the workspace (no symlink followed out of it), refused when a `read` of them would not be allowed outright (a
 * deny rule, a secret store, `.env`: the person may not know what the path leads to).
 *
 * - `file`: text only, at most 256 kB. Its text goes before the prompt, and the model counts as having read it
 *   (an edit may follow at once).
 * - `image` (a path) and `image_data` (base64 from the client): PNG, JPEG, GIF or WebP by their first bytes, at
 *   most MAX_IMAGE_BYTES (protocol/images.ts says why); sent as image parts of the user message, and only to a
 *   model that takes images (imageRefusal, checked before anything is read) of their type (imageTypeRefusal).
 */
import { statSync } from "node:fs";
import { relative } from "node:path";
import { readConfinedFileSync } from "../policy/open-confined.ts";
import type { Workspace } from "../policy/workspace.ts";
import type { Attachment } from "../protocol/commands.ts";
import {
  IMAGE_MEDIA_TYPES,
  imageFromBase64,
  imageFromBytes,
  imageSizeProblem,
  imageTypesTaken,
  sniffImageType,
} from "../protocol/images.ts";
import type { ImageMediaType, ImagePart } from "../protocol/messages.ts";
import type { ResolvedModel } from "../providers/provider.ts";
import type { Settings } from "../store/settings-schema.ts";
import type { FileState } from "../tools/file-state.ts";

const MAX_BYTES = 256_000;

export type Attached = { ok: true; text: string; images: ImagePart[] } | { ok: false; problem: string };

type AttachInput = {
  workspace: Workspace;
  readRefusal: (realPath: string) => string | null;
  fileState: FileState;
};

/** The text of the file attachments (before the prompt) and the images, or the first attachment refused. */
export async function readAttachments(attachments: Attachment[], input: AttachInput): Promise<Attached> {
  const parts: string[] = [];
  const images: ImagePart[] = [];
  for (const attachment of attachments) {
    if (attachment.type === "image_data") {
      const checked = imageFromBase64(attachment.data, attachment.mediaType, attachment.name);
      if (!checked.ok)
        return refused(attachment.name ?? `the ${attachment.mediaType} image`, checked.problem);
      images.push(checked.image);
      continue;
    }
    const image = attachment.type === "image";
    const read = await readConfined(attachment.path, input, image ? imageSizeProblem : textSizeProblem);
    if (!read.ok) return read;
    const { content, real } = read;
    const shown = relative(input.workspace.root, real) || attachment.path;
    if (image) {
      const checked = imageFromBytes(content, shown);
      if (!checked.ok) return refused(attachment.path, checked.problem);
      images.push(checked.image);
      continue;
    }
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
    let decoded: string;
    try {
      decoded = text.decode(content);
    } catch {
      const type = sniffImageType(content);
      return refused(
        attachment.path,
        type
          ? `it is a ${label(type)} image, not text; attach it as {"type":"image","path":...}`
          : "it is not UTF-8 text",
      );
    }
    parts.push(`<file path="${shown}">\n${decoded}${decoded.endsWith("\n") ? "" : "\n"}</file>`);
    await input.fileState.record(real, { mtimeMs: Date.now(), size: content.length }, content);
  }
  return { ok: true, text: parts.join("\n"), images };
}

type Read = { ok: true; content: Buffer; real: string } | { ok: false; problem: string };

/**
 * A workspace file's bytes, read confined, when a read of it is allowed outright and `sizeProblem` has nothing
 * to say of its size.
 */
async function readConfined(
  path: string,
  input: AttachInput,
  sizeProblem: (bytes: number) => string | null,
): Promise<Read> {
  let real: string;
  try {
    real = await input.workspace.resolve(path, "read");
  } catch (error) {
    return refused(path, (error as Error).message);
  }
  const root = input.workspace.rootOf(real, "read");
  if (!root) return refused(path, "it is outside the workspace");
  const refusal = input.readRefusal(real);
  if (refusal) return refused(path, `${refusal}; paste what is needed instead`);
  // Told before reading: a huge file is never read into memory to be refused.
  const tooLarge = sizeProblem(statSync(real, { throwIfNoEntry: false })?.size ?? 0);
  if (tooLarge) return refused(path, tooLarge);
  let snapshot: ReturnType<typeof readConfinedFileSync>;
  try {
    snapshot = readConfinedFileSync(root, real);
  } catch (error) {
    return refused(path, (error as Error).message);
  }
  if (snapshot === null) return refused(path, "no such file");
  if (snapshot === "not-a-file") return refused(path, "not a regular file");
  // Grown since the check above.
  const grown = sizeProblem(snapshot.content.length);
  if (grown) return refused(path, grown);
  return { ok: true, content: snapshot.content, real };
}

function textSizeProblem(bytes: number): string | null {
  return bytes > MAX_BYTES
    ? `${bytes} bytes is over ${MAX_BYTES}; mention it and let the model read the part it needs`
    : null;
}

function refused(what: string, problem: string): { ok: false; problem: string } {
  return { ok: false, problem: `cannot attach ${what}: ${problem}` };
}

/**
 * Why `model` is not sent images, or null when it takes them: it does not (the embedded engine, settings, the
 * catalog or Ollama say so), or nobody knows, and then the setting that says it does.
 */
export function imageRefusal(model: ResolvedModel, settings: Settings): string | null {
  if (model.images === true) return null;
  const name = `${model.provider}/${model.id}`;
  const instead =
    "use a model that does (e.g. --model anthropic/claude-sonnet-4-5), or describe the image in words";
  if (model.images === false) {
    const why =
      model.api === "embedded"
        ? "the embedded engine reads text only"
        : settings.providers?.[model.provider]?.images !== undefined
          ? `"images" of provider "${model.provider}" in settings says so`
          : model.api === "ollama"
            ? "Ollama lists no vision capability for it"
            : "hearth's model catalog says so";
    return `${name} does not take images (${why}); ${instead}`;
  }
  return (
    `hearth does not know whether ${name} takes images (${IMAGE_MEDIA_TYPES.join(", ")}); if it does, say so ` +
    `in settings: "providers": {"${model.provider}": {"images": true}} (or a list of its models that do, ` +
    `e.g. "images": ["${model.id}"]); else ${instead}`
  );
}

/** Why one of `images` cannot go to `model` (a GIF to Gemini), or null when all can. */
export function imageTypeRefusal(images: ImagePart[], model: ResolvedModel): string | null {
  const taken = imageTypesTaken(model.api);
  const refused = images.find((image) => !taken.includes(image.mediaType));
  if (!refused) return null;
  const kind = label(refused.mediaType);
  const fine = taken.map(label).join(", ");
  return (
    `cannot attach ${refused.name ?? `the ${kind} image`}: ${model.provider}/${model.id} takes no ${kind} images ` +
    `(${fine} are fine); convert it`
  );
}

/** `image/webp` as people write it: WebP. */
function label(type: ImageMediaType): string {
  return type === "image/webp" ? "WebP" : type.slice("image/".length).toUpperCase();
}

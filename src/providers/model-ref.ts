/**
 * What `hearth models pull <ref>` downloads: a Hugging Face reference `hf:owner/repo/path/file.gguf[@revision]`
 * (-> `<endpoint>/owner/repo/resolve/<revision>/path/file.gguf`; endpoint from HF_ENDPOINT, default
 * https://huggingface.co) or a plain http(s) URL of a .gguf file. Pure: no I/O.
 */

export type ModelRef = {
  /** Where to GET the file. */
  url: string;
  /** The file name it is saved as in the models directory. */
  fileName: string;
  source: "hf" | "url";
  /** The Hugging Face endpoint's origin, when the file is on it (a token may be sent there, and only there). */
  hubOrigin?: string;
};

export type ModelRefResult = { ok: true; ref: ModelRef } | { ok: false; message: string };

export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

/** The Hugging Face endpoint: HF_ENDPOINT (the standard variable) when it is an http(s) URL, else the default. */
export function huggingFaceEndpoint(env: NodeJS.ProcessEnv): string {
  const value = env.HF_ENDPOINT?.trim();
  if (value && /^https?:\/\/[^/]/i.test(value)) return value.replace(/\/+$/, "");
  return DEFAULT_HF_ENDPOINT;
}

/** A name that can be saved in the models directory: one path segment ending in .gguf, no leading dot. */
export function isModelFileName(name: string): boolean {
  return (
    name.length <= 255 &&
    /\.gguf$/i.test(name) &&
    name.length > 5 &&
    !name.startsWith(".") &&
    !/[/\\\x00-\x1f\x7f]/.test(name)
  );
}

const REF_HELP = "use hf:owner/repo/file.gguf (optionally @revision) or an http(s) URL of a .gguf file";

/** Parse a pull reference. `fileName` overrides the name taken from the reference. */
export function parseModelRef(input: string, env: NodeJS.ProcessEnv, fileName?: string): ModelRefResult {
  const text = input.trim();
  const endpoint = huggingFaceEndpoint(env);
  let parsed: { url: string; name: string; source: "hf" | "url" } | string;
  if (/^hf:/i.test(text)) parsed = parseHf(text.slice(3), endpoint);
  else if (/^https?:\/\//i.test(text)) parsed = parseUrl(text, endpoint);
  else parsed = `"${input}" is not a model reference; ${REF_HELP}`;
  if (typeof parsed === "string") return { ok: false, message: parsed };

  const name = fileName ?? parsed.name;
  if (!isModelFileName(name)) {
    return {
      ok: false,
      message: fileName
        ? `--name "${fileName}" is not a usable file name; give one name ending in .gguf (no slashes)`
        : `"${input}" does not name a .gguf file; pass --name NAME.gguf to choose the file name`,
    };
  }
  const hub = new URL(endpoint).origin;
  return {
    ok: true,
    ref: {
      url: parsed.url,
      fileName: name,
      source: parsed.source,
      hubOrigin: new URL(parsed.url).origin === hub ? hub : undefined,
    },
  };
}

function parseHf(rest: string, endpoint: string): { url: string; name: string; source: "hf" } | string {
  const at = rest.lastIndexOf("@");
  const path = at === -1 ? rest : rest.slice(0, at);
  const revision = at === -1 ? "main" : rest.slice(at + 1);
  const parts = path.replace(/^\/+/, "").split("/");
  if (parts.length < 3 || parts.some((p) => p === "" || p === "." || p === "..")) {
    return `"hf:${rest}" needs owner/repo/file; ${REF_HELP}`;
  }
  if (revision === "" || /[\s\x00-\x1f]/.test(revision)) return `"hf:${rest}" has an empty or bad @revision`;
  const [owner, repo, ...file] = parts;
  const encode = (segments: string[]) => segments.map(encodeURIComponent).join("/");
  return {
    url: `${endpoint}/${encode([owner, repo])}/resolve/${encodeURIComponent(revision)}/${encode(file)}`,
    name: file[file.length - 1],
    source: "hf",
  };
}

function parseUrl(text: string, endpoint: string): { url: string; name: string; source: "url" } | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a valid URL; ${REF_HELP}`;
  }
  if (url.username || url.password)
    return "put no user name or password in the URL; hearth will not store it";
  // A Hugging Face page URL (.../blob/...) serves HTML; the file itself is at .../resolve/....
  if (url.origin === new URL(endpoint).origin || url.hostname === "huggingface.co")
    url.pathname = url.pathname.replace(/^(\/[^/]+\/[^/]+)\/blob\//, "$1/resolve/");
  const last = url.pathname.split("/").pop() ?? "";
  let name: string;
  try {
    name = decodeURIComponent(last);
  } catch {
    name = last;
  }
  url.hash = "";
  return { url: url.toString(), name, source: "url" };
}

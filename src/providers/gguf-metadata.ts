/**
 * Reads the header of a GGUF model file (v2 and v3, little-endian): the metadata key/values and the tensor
 * shapes, without loading tensor data. Only the bytes needed are read, through one small buffer: arrays of
 * fixed-size values (token scores, token types) are skipped by moving the file position, arrays of strings
 * (the vocabulary, merges) by reading just each string's length. Malformed or truncated files give a GgufError
 * with one line that says what is wrong; no length in the file is trusted past the file's end.
 */
import { open } from "node:fs/promises";

/** An array value is not kept: only its element type and length. */
export type GgufArrayInfo = { arrayOf: string; length: number };
export type GgufValue = number | bigint | boolean | string | GgufArrayInfo;

export type GgufMetadata = {
  /** GGUF format version (2 or 3). */
  version: number;
  tensorCount: number;
  /** Every key/value; strings over 1 MiB are left out. */
  values: Map<string, GgufValue>;
  /** `general.architecture`, e.g. "llama". */
  architecture?: string;
  /** `general.name`. */
  name?: string;
  /** `<architecture>.context_length`: the context the model was trained for, in tokens. */
  contextLength?: number;
  /** `general.file_type` (llama.cpp's llama_ftype). */
  fileType?: number;
  /** The quantization named by fileType, e.g. "Q4_K_M", "F16". */
  quantization?: string;
  /** Sum of the element counts of all tensors. */
  parameterCount: number;
  /** `general.size_label` when the file has it, e.g. "7B". */
  sizeLabel?: string;
  /** Where the tensor infos end (tensor data starts at the next alignment boundary). */
  headerSize: number;
  /** Bytes actually read from the file (a few hundred KB for a typical model). */
  bytesRead: number;
};

export class GgufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GgufError";
  }
}

/** llama.cpp's llama_ftype values (general.file_type) and their usual names. 4-6 were removed upstream. */
// biome-ignore format: a table
const FILE_TYPES: Record<number, string> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 4: "Q4_1_SOME_F16", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
  10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
  17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS",
  24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M",
  32: "BF16", 33: "Q4_0_4_4", 34: "Q4_0_4_8", 35: "Q4_0_8_8", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE",
};

/** llama.cpp marks a file type it inferred from the tensors with this bit. */
const FILE_TYPE_GUESSED = 1024;

/** The quantization name of a general.file_type value; "ftype N" when unknown. */
export function quantizationName(fileType: number): string {
  const base = fileType & ~FILE_TYPE_GUESSED;
  return FILE_TYPES[base] ?? `ftype ${base}`;
}

// GGUF value types: index = type id; size in bytes for fixed-size types, 0 for string and array.
const TYPE_NAMES = [
  "u8",
  "i8",
  "u16",
  "i16",
  "u32",
  "i32",
  "f32",
  "bool",
  "string",
  "array",
  "u64",
  "i64",
  "f64",
];
const TYPE_SIZES = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];
const STRING = 8;
const ARRAY = 9;
const MAX_KEPT_STRING = 1024 * 1024;
const MAX_DIMS = 8;

/** Read the metadata of the GGUF file at `path`. Throws GgufError (bad file) or a file system error. */
export async function readGgufMetadata(path: string): Promise<GgufMetadata> {
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    const reader = new BufferedReader(
      (buffer, position) => handle.read(buffer, 0, buffer.length, position),
      size,
    );
    return await parse(reader);
  } finally {
    await handle.close();
  }
}

async function parse(r: BufferedReader): Promise<GgufMetadata> {
  if (r.size < 24) throw new GgufError("not a GGUF file (too short)");
  const magic = (await r.bytes(4)).toString("latin1");
  if (magic !== "GGUF") throw new GgufError(`not a GGUF file (starts with ${JSON.stringify(magic)})`);
  const versionBytes = await r.bytes(4);
  const version = versionBytes.readUInt32LE(0);
  if (version === 1)
    throw new GgufError("GGUF version 1 is not supported; convert the file with a newer llama.cpp");
  if (version !== 2 && version !== 3) {
    const bigEndian = versionBytes.readUInt32BE(0);
    if (bigEndian === 2 || bigEndian === 3) throw new GgufError("big-endian GGUF files are not supported");
    throw new GgufError(`unknown GGUF version ${version}`);
  }
  const tensorCount = await r.count("tensor count");
  const kvCount = await r.count("metadata count");
  const values = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = await r.string("metadata key");
    const type = await r.u32();
    const value = await readValue(r, type, key);
    if (value !== undefined) values.set(key, value);
  }
  let parameterCount = 0;
  for (let i = 0; i < tensorCount; i++) {
    await r.skip(await r.count("tensor name length"), "tensor name");
    const dims = await r.u32();
    if (dims > MAX_DIMS) throw new GgufError(`tensor ${i} has ${dims} dimensions (at most ${MAX_DIMS})`);
    let elements = 1;
    for (let d = 0; d < dims; d++) elements *= await r.count("tensor dimension");
    await r.skip(12, "tensor type and offset");
    parameterCount += elements;
  }

  const text = (key: string) => {
    const v = values.get(key);
    return typeof v === "string" ? v : undefined;
  };
  const integer = (key: string) => {
    const v = values.get(key);
    return typeof v === "number" && Number.isInteger(v) ? v : undefined;
  };
  const architecture = text("general.architecture");
  const fileType = integer("general.file_type");
  return {
    version,
    tensorCount,
    values,
    architecture,
    name: text("general.name"),
    contextLength: architecture ? integer(`${architecture}.context_length`) : undefined,
    fileType,
    quantization: fileType === undefined ? undefined : quantizationName(fileType),
    parameterCount,
    sizeLabel: text("general.size_label"),
    headerSize: r.offset,
    bytesRead: r.bytesRead,
  };
}

async function readValue(r: BufferedReader, type: number, key: string): Promise<GgufValue | undefined> {
  switch (type) {
    case 0:
      return (await r.bytes(1)).readUInt8(0);
    case 1:
      return (await r.bytes(1)).readInt8(0);
    case 2:
      return (await r.bytes(2)).readUInt16LE(0);
    case 3:
      return (await r.bytes(2)).readInt16LE(0);
    case 4:
      return r.u32();
    case 5:
      return (await r.bytes(4)).readInt32LE(0);
    case 6:
      return (await r.bytes(4)).readFloatLE(0);
    case 7:
      return (await r.bytes(1))[0] !== 0;
    case STRING: {
      const length = await r.count(`length of ${key}`);
      if (length > MAX_KEPT_STRING) {
        await r.skip(length, key);
        return undefined;
      }
      return (await r.bytes(length)).toString("utf8");
    }
    case ARRAY:
      return skipArray(r, key, 0);
    case 10:
      return safe((await r.bytes(8)).readBigUInt64LE(0));
    case 11:
      return safe((await r.bytes(8)).readBigInt64LE(0));
    case 12:
      return (await r.bytes(8)).readDoubleLE(0);
    default:
      throw new GgufError(`metadata ${key} has unknown value type ${type}`);
  }
}

async function skipArray(r: BufferedReader, key: string, depth: number): Promise<GgufArrayInfo> {
  if (depth > 4) throw new GgufError(`metadata ${key} nests arrays too deep`);
  const type = await r.u32();
  const length = await r.count(`length of ${key}`);
  if (type >= TYPE_NAMES.length) throw new GgufError(`metadata ${key} has unknown element type ${type}`);
  if (type === STRING) {
    for (let i = 0; i < length; i++) await r.skip(await r.count(`length of ${key}[${i}]`), key);
  } else if (type === ARRAY) {
    for (let i = 0; i < length; i++) await skipArray(r, key, depth + 1);
  } else {
    await r.skip(length * TYPE_SIZES[type], key);
  }
  return { arrayOf: TYPE_NAMES[type], length };
}

function safe(n: bigint): number | bigint {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n;
}

type ReadAt = (buffer: Buffer, position: number) => Promise<{ bytesRead: number }>;

/** Sequential reads through one buffer; skips past the buffer move the position without reading. */
class BufferedReader {
  readonly size: number;
  bytesRead = 0;
  private buffer = Buffer.alloc(64 * 1024);
  private start = 0; // file offset of buffer[0]
  private end = 0; // file offset just past the valid bytes
  private position = 0;
  private readonly readAt: ReadAt;

  constructor(readAt: ReadAt, size: number) {
    this.readAt = readAt;
    this.size = size;
  }

  /** The next n bytes (a view valid until the next call). */
  async bytes(n: number): Promise<Buffer> {
    if (this.position + n > this.size)
      throw new GgufError(`truncated GGUF file: needs ${this.position + n} bytes, has ${this.size}`);
    if (this.position < this.start || this.position + n > this.end) await this.fill(n);
    const offset = this.position - this.start;
    this.position += n;
    return this.buffer.subarray(offset, offset + n);
  }

  get offset(): number {
    return this.position;
  }

  async skip(n: number, what: string): Promise<void> {
    if (this.position + n > this.size)
      throw new GgufError(`truncated GGUF file: ${what} runs past the end of the file`);
    this.position += n;
  }

  async u32(): Promise<number> {
    return (await this.bytes(4)).readUInt32LE(0);
  }

  /** A u64 used as a count or length; must fit the file it describes. */
  async count(what: string): Promise<number> {
    const n = (await this.bytes(8)).readBigUInt64LE(0);
    if (n > BigInt(this.size)) throw new GgufError(`bad GGUF file: ${what} ${n} is larger than the file`);
    return Number(n);
  }

  async string(what: string): Promise<string> {
    return (await this.bytes(await this.count(`length of ${what}`))).toString("utf8");
  }

  private async fill(n: number): Promise<void> {
    if (n > this.buffer.length) this.buffer = Buffer.alloc(Math.max(n, this.buffer.length * 2));
    const want = Math.min(this.buffer.length, this.size - this.position);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.readAt(this.buffer.subarray(got, want), this.position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.bytesRead += got;
    this.start = this.position;
    this.end = this.position + got;
    if (got < n) throw new GgufError(`truncated GGUF file: the file ended while it was being read`);
  }
}

/**
 * The embedded adapter: a GGUF model run in-process by node-llama-cpp (installed apart from hearth, see
 * embedded-engine.ts). One model and one context stay loaded per process and every turn reuses the same context
 * sequence, so the prompt prefix that did not change since the last turn is not evaluated again: a turn processes
 * only its new tokens. Messages are rendered with the model's own chat template (node-llama-cpp picks the chat
 * wrapper; a model without a template gets its General wrapper). When tools are offered, a JSON-schema grammar
 * makes every reply one valid JSON object: an answer or a call of a real tool (format in embedded-reply.ts).
 */

import { availableParallelism } from "node:os";
import { basename } from "node:path";
import type { ProviderError, ProviderErrorKind } from "../protocol/errors.ts";
import { newCallId } from "../protocol/ids.ts";
import { userText } from "../protocol/images.ts";
import type { Message } from "../protocol/messages.ts";
import {
  type EngineChat,
  type EngineContext,
  type EngineGrammar,
  type EngineHistoryItem,
  type EngineLlama,
  EngineLoadError,
  type EngineModel,
  type EngineSequence,
  firstLine,
  loadEngine,
} from "./embedded-engine.ts";
import {
  AnswerStream,
  answerText,
  parseReply,
  type ReplyTool,
  replyInstructions,
  replySchema,
  toolCallText,
} from "./embedded-reply.ts";
import { DEFAULT_LOCAL_CONTEXT } from "./local-model.ts";
import type {
  EmbeddedModelOptions,
  ModelRequest,
  ProviderEvent,
  ResolvedModel,
  StreamFunction,
} from "./provider.ts";

/** What a model load reports, for the CLI to show (see setLoadListener). */
export type LoadProgress =
  | { stage: "engine"; path: string }
  | { stage: "model"; path: string; fraction: number }
  | { stage: "ready"; path: string; ms: number; contextSize: number; threads: number; gpu: string | false };

let loadListener: ((progress: LoadProgress) => void) | undefined;

/** Where model-load progress goes (one listener per process; the CLI sets it). Listeners must not throw. */
export function setLoadListener(listener: ((progress: LoadProgress) => void) | undefined): void {
  loadListener = listener;
}

/** Threads when settings name none: leave one core for the rest of the machine, and more than 4 rarely help. */
export function defaultThreads(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

type Loaded = {
  key: string;
  llama: EngineLlama;
  model: EngineModel;
  context: EngineContext;
  sequence: EngineSequence;
  chat: EngineChat;
  threads: number;
  loadMs: number;
  grammars: Map<string, Promise<EngineGrammar>>;
  /** Turns on one sequence run one at a time. */
  busy: Promise<void>;
};

let current: { key: string; loading: Promise<Loaded> } | undefined;
const llamas = new Map<string, Promise<EngineLlama>>();

/** The loaded model for these options: the cached one, or a fresh load that replaces (and frees) it. */
function loadModel(options: EmbeddedModelOptions): Promise<Loaded> {
  const threads = options.threads ?? defaultThreads();
  const contextCap = options.contextSize ?? DEFAULT_LOCAL_CONTEXT;
  const gpu = options.gpu ?? "auto";
  const key = keyOf(options);
  if (current?.key === key) return current.loading;
  const previous = current?.loading;
  const loading = (async (): Promise<Loaded> => {
    if (previous) await previous.then(unload, () => undefined);
    const started = performance.now();
    loadListener?.({ stage: "engine", path: options.path });
    const engine = await loadEngine(options.engineDir);
    const llamaKey = `${options.engineDir}\0${gpu}`;
    let llama = llamas.get(llamaKey);
    if (!llama) {
      llama = engine.getLlama({
        gpu,
        build: "never",
        logLevel: "error",
        progressLogs: false,
        skipDownload: true,
      });
      llamas.set(llamaKey, llama);
      llama.catch(() => llamas.delete(llamaKey));
    }
    const ready = await llama;
    const model = await ready.loadModel({
      modelPath: options.path,
      onLoadProgress: (fraction) => loadListener?.({ stage: "model", path: options.path, fraction }),
    });
    const contextSize = Math.min(model.trainContextSize || contextCap, contextCap);
    let context: EngineContext;
    try {
      context = await model.createContext({ contextSize, threads, sequences: 1 });
    } catch (error) {
      await model.dispose(); // a model without a context is of no use: give its memory back
      throw error;
    }
    const sequence = context.getSequence();
    const chat = new engine.LlamaChat({ contextSequence: sequence });
    const loadMs = performance.now() - started;
    loadListener?.({ stage: "ready", path: options.path, ms: loadMs, contextSize, threads, gpu: ready.gpu });
    return {
      key,
      llama: ready,
      model,
      context,
      sequence,
      chat,
      threads,
      loadMs,
      grammars: new Map(),
      busy: Promise.resolve(),
    };
  })();
  current = { key, loading };
  loading.catch(() => {
    if (current?.loading === loading) current = undefined;
  });
  return loading;
}

async function unload(loaded: Loaded): Promise<void> {
  await loaded.busy;
  loaded.chat.dispose();
  await loaded.context.dispose();
  await loaded.model.dispose();
}

/** Loads (or reuses) the model and reports how long the load took: 0 when it was already loaded. */
export async function loadEmbeddedModel(
  model: ResolvedModel,
): Promise<{ loadMs: number; contextSize: number; threads: number }> {
  const options = requireOptions(model);
  const wasLoaded = current !== undefined && current.key === keyOf(options);
  const loaded = await loadModel(options);
  return {
    loadMs: wasLoaded ? 0 : loaded.loadMs,
    contextSize: loaded.context.contextSize,
    threads: loaded.threads,
  };
}

/** The model's tokens for `text` (loads the model when needed): exact token counts for prompts. */
export async function tokenizeEmbedded(model: ResolvedModel, text: string): Promise<number[]> {
  const loaded = await loadModel(requireOptions(model));
  return loaded.model.tokenize(text);
}

/** Frees the loaded model, if any (tests and benchmarks switch settings; a run never needs this). */
export async function unloadEmbeddedModel(): Promise<void> {
  const loading = current?.loading;
  current = undefined;
  if (loading) await loading.then(unload, () => undefined);
}

function keyOf(options: EmbeddedModelOptions): string {
  return JSON.stringify([
    options.path,
    options.engineDir,
    options.threads ?? defaultThreads(),
    options.contextSize ?? DEFAULT_LOCAL_CONTEXT,
    options.gpu ?? "auto",
  ]);
}

function requireOptions(model: ResolvedModel): EmbeddedModelOptions {
  if (!model.embedded)
    throw new EngineLoadError(`model ${model.provider}/${model.id} has no GGUF file to run`);
  return model.embedded;
}

export const streamEmbedded: StreamFunction = async function* (model, request, options) {
  const events = createQueue<ProviderEvent>();
  // Generation stops when the caller's signal fires or the caller stops reading.
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (options.signal.aborted) controller.abort();
  else options.signal.addEventListener("abort", onAbort, { once: true });
  generate(model, request, controller.signal, events.push)
    .catch((error: unknown) =>
      events.push({ type: "error", error: engineError(model, error, controller.signal) }),
    )
    .finally(() => {
      options.signal.removeEventListener("abort", onAbort);
      events.close();
    });
  try {
    yield* events;
  } finally {
    controller.abort();
  }
};

async function generate(
  model: ResolvedModel,
  request: ModelRequest,
  signal: AbortSignal,
  emit: (event: ProviderEvent) => void,
): Promise<void> {
  const options = requireOptions(model);
  const loaded = await untilAborted(loadModel(options), signal);
  // One turn at a time on the sequence: wait for the previous one to finish.
  const previous = loaded.busy;
  let release = () => {};
  loaded.busy = new Promise<void>((resolve) => {
    release = resolve;
  });
  try {
    await untilAborted(previous, signal);
    await runTurn(loaded, model, options, request, signal, emit);
  } finally {
    // When this turn gave up waiting, the next one still waits for the one before.
    void previous.then(release, release);
  }
}

async function runTurn(
  loaded: Loaded,
  model: ResolvedModel,
  options: EmbeddedModelOptions,
  request: ModelRequest,
  signal: AbortSignal,
  emit: (event: ProviderEvent) => void,
): Promise<void> {
  const tools: ReplyTool[] = request.tools;
  const grammar = tools.length > 0 ? await grammarFor(loaded, tools) : undefined;
  const history = toHistory(request, tools.length > 0);
  const temperature = request.temperature ?? options.temperature ?? 0;
  const contextSize = loaded.context.contextSize;
  const maxTokens =
    request.maxOutputTokens ?? model.maxOutputTokens ?? Math.min(4096, Math.floor(contextSize / 2));
  const answer = new AnswerStream();
  let raw = "";
  const before = loaded.sequence.tokenMeter.getState();
  const result = await loaded.chat.generateResponse(history, {
    signal,
    maxTokens,
    temperature,
    // llama.cpp's own sampling defaults, when sampling at all.
    ...(temperature > 0 ? { topK: 40, topP: 0.95, minP: 0.05, seed: options.seed } : {}),
    grammar,
    // A reasoning model's thoughts come as "thought" segments (node-llama-cpp splits them off by chat template).
    onResponseChunk: (chunk) => {
      if (chunk.type === "segment" && chunk.segmentType === "thought" && chunk.text)
        emit({ type: "reasoning_delta", text: chunk.text });
    },
    onTextChunk: (chunk) => {
      if (!grammar) {
        if (chunk) emit({ type: "text_delta", text: chunk });
        return;
      }
      raw += chunk;
      const delta = answer.push(raw);
      if (delta) emit({ type: "text_delta", text: delta });
    },
  });
  const used = loaded.sequence.tokenMeter.diff(before);
  // What the context holds now minus what was evaluated this turn: the prompt prefix that was reused.
  const reused = Math.max(0, loaded.sequence.nextTokenIndex - used.usedOutputTokens - used.usedInputTokens);
  emit({
    type: "usage",
    usage: {
      inputTokens: used.usedInputTokens,
      outputTokens: used.usedOutputTokens,
      cacheReadTokens: reused,
    },
  });
  const cutOff = result.metadata.stopReason === "maxTokens";
  if (!grammar) {
    emit({ type: "done", stopReason: cutOff ? "length" : "stop" });
    return;
  }
  const reply = parseReply(result.response, tools);
  if (reply.kind === "tool") {
    emit({
      type: "tool_call",
      id: newCallId(),
      name: reply.name,
      argumentsJson: JSON.stringify(reply.arguments),
    });
    emit({ type: "done", stopReason: "tool_use" });
    return;
  }
  // An answer was streamed as it came; an unfinished reply (token limit) ends as "length".
  emit({ type: "done", stopReason: reply.kind === "answer" ? "stop" : "length" });
}

function grammarFor(loaded: Loaded, tools: ReplyTool[]): Promise<EngineGrammar> {
  const schema = replySchema(tools);
  const key = JSON.stringify(schema);
  let grammar = loaded.grammars.get(key);
  if (!grammar) {
    if (loaded.grammars.size >= 8) loaded.grammars.clear();
    grammar = loaded.llama.createGrammarForJsonSchema(schema);
    loaded.grammars.set(key, grammar);
    grammar.catch(() => loaded.grammars.delete(key));
  }
  return grammar;
}

/**
 * The conversation as chat history items. With tools, assistant turns are written back in the JSON reply format
 * the grammar produces, and tool results become user messages; consecutive user items are merged.
 */
export function toHistory(request: ModelRequest, withTools: boolean): EngineHistoryItem[] {
  const items: EngineHistoryItem[] = [];
  const system = [request.system, withTools ? replyInstructions(request.tools) : ""]
    .filter(Boolean)
    .join("\n\n");
  if (system) items.push({ type: "system", text: system });
  const pushUser = (text: string) => {
    const last = items.at(-1);
    if (last?.type === "user") last.text += `\n\n${text}`;
    else items.push({ type: "user", text });
  };
  for (const message of request.messages) {
    // The engine reads text only: an image is its placeholder (none reaches it: see agent/model-response.ts).
    if (message.role === "user") pushUser(userText(message.content));
    else if (message.role === "tool")
      pushUser(`Result of ${message.toolName}${message.isError ? " (error)" : ""}:\n${message.content}`);
    else items.push({ type: "model", response: [assistantText(message, withTools)] });
  }
  return items;
}

function assistantText(message: Extract<Message, { role: "assistant" }>, withTools: boolean): string {
  const text = message.content
    .filter((part) => part.type === "text")
    .map((part) => part.text)
    .join("");
  const calls = message.content
    .filter((part) => part.type === "tool_call")
    .map((part) => toolCallText(part.name, part.arguments));
  if (calls.length > 0) return calls.join("\n");
  return withTools ? answerText(text) : text;
}

function engineError(model: ResolvedModel, error: unknown, signal: AbortSignal): ProviderError {
  const fail = (kind: ProviderErrorKind, message: string): ProviderError => ({
    kind,
    message,
    retryable: false,
  });
  if (signal.aborted) return fail("aborted", "request aborted");
  if (error instanceof EngineLoadError) return fail("not_found", error.message);
  const who = `local model ${model.embedded ? basename(model.embedded.path) : model.id}`;
  const text = firstLine(error);
  if (/ENOENT|no such file/i.test(text)) return fail("not_found", `${who}: the file is gone (${text})`);
  if (/context/i.test(text) && /size|small|exceed|long/i.test(text))
    return fail("context_length", `${who}: the conversation does not fit its context window (${text})`);
  if (/NoBinaryFound|binary/i.test(text))
    return fail(
      "not_found",
      `${who}: the engine has no working build for this machine (${text}); run hearth engine status`,
    );
  return fail("server", `${who} failed: ${text}`);
}

/** Resolves with the promise, or rejects as soon as the signal fires (the promise keeps running). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error("aborted"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

type Queue<T> = AsyncIterable<T> & { push: (value: T) => void; close: () => void };

/** A push-based async iterable for one consumer: node-llama-cpp reports by callback, adapters yield. */
function createQueue<T>(): Queue<T> {
  const buffer: T[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  return {
    push: (value) => {
      if (closed) return;
      buffer.push(value);
      notify();
    },
    close: () => {
      closed = true;
      notify();
    },
    async *[Symbol.asyncIterator]() {
      while (true) {
        const next = buffer.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (closed) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}

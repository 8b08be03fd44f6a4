/**
 * The three wire formats read into our requests and written back, on the shapes the SDK tests do not reach:
 * images, system-role messages inside Claude Code's `messages`, server tools and `tool_choice: "none"`, Codex's
 * custom (freeform) tools both ways, refused `previous_response_id`, and the error bodies of each format.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makePng } from "../../test/support/images.ts";
import type { AssistantMessage } from "../protocol/messages.ts";
import { anthropicError, parseAnthropicRequest } from "./anthropic-wire.ts";
import { parseChatRequest } from "./openai-chat-wire.ts";
import { parseResponsesRequest, responsesBody, responsesStream } from "./openai-responses-wire.ts";

const PNG = makePng(2, 2).toString("base64");
const meta = { id: "resp_1", model: "gpt-5-codex", created: 1 };

function parsed<T extends { ok: boolean }>(result: T): Extract<T, { ok: true }> {
  assert.ok(result.ok, JSON.stringify(result));
  return result as Extract<T, { ok: true }>;
}

describe("Anthropic Messages in", () => {
  it("joins system-role messages to the system prompt, keeps images, leaves server tools out", () => {
    const { value } = parsed(
      parseAnthropicRequest({
        model: "claude-x",
        max_tokens: 10,
        system: [{ type: "text", text: "be brief" }],
        messages: [
          { role: "system", content: "agents: Explore" },
          {
            role: "user",
            content: [
              { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
              { type: "text", text: "what is this?" },
            ],
          },
        ],
        tools: [
          { type: "web_search_20250305", name: "web_search" },
          { name: "read", description: "r", input_schema: { type: "object" } },
        ],
      }),
    );
    assert.equal(value.request.system, "be brief\n\nagents: Explore");
    const [user] = value.request.messages;
    assert.ok(user.role === "user" && Array.isArray(user.content));
    assert.equal(user.content[0].type, "image");
    assert.deepEqual(
      value.request.tools.map((t) => t.name),
      ["read"],
    );
  });

  it("refuses an image by URL and a bad one with the block's place, and honours tool_choice none", () => {
    const url = parseAnthropicRequest({
      model: "m",
      max_tokens: 1,
      messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url: "http://x" } }] }],
    });
    assert.deepEqual(url, {
      ok: false,
      message: "messages.0: only base64 image sources are taken (the gateway fetches no URLs)",
    });
    const none = parsed(
      parseAnthropicRequest({
        model: "m",
        max_tokens: 1,
        tool_choice: { type: "none" },
        tools: [{ name: "read", input_schema: { type: "object" } }],
        messages: [{ role: "user", content: "hi" }],
      }),
    );
    assert.deepEqual(none.value.request.tools, []);
    assert.deepEqual(anthropicError(529, "busy"), {
      type: "error",
      error: { type: "overloaded_error", message: "busy" },
    });
  });
});

describe("OpenAI Chat in", () => {
  it("takes data: URL images and refuses web URLs", () => {
    const ok = parsed(
      parseChatRequest({
        model: "m",
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "see" },
              { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
            ],
          },
        ],
      }),
    );
    const [user] = ok.value.request.messages;
    assert.ok(user.role === "user" && Array.isArray(user.content));
    assert.deepEqual(
      user.content.map((p) => p.type),
      ["text", "image"],
    );
    const web = parseChatRequest({
      model: "m",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }],
    });
    assert.equal(web.ok, false);
  });
});

describe("OpenAI Responses", () => {
  it("offers a custom tool as a function of one input, and reads its history back", () => {
    const { value } = parsed(
      parseResponsesRequest({
        model: "gpt-5-codex",
        instructions: "you are codex",
        tools: [
          { type: "custom", name: "apply_patch", description: "patch", format: { type: "grammar" } },
          { type: "web_search" },
        ],
        input: [
          { type: "message", role: "developer", content: [{ type: "input_text", text: "sandbox: none" }] },
          { type: "message", role: "user", content: [{ type: "input_text", text: "fix it" }] },
          { type: "reasoning", summary: [], encrypted_content: "opaque" },
          { type: "custom_tool_call", call_id: "c1", name: "apply_patch", input: "*** Begin Patch" },
          { type: "custom_tool_call_output", call_id: "c1", output: "Done" },
        ],
      }),
    );
    assert.equal(value.request.system, "you are codex\n\nsandbox: none");
    assert.deepEqual(value.request.tools[0].parameters.required, ["input"]);
    assert.equal(value.request.tools.length, 1);
    assert.ok(value.customTools?.has("apply_patch"));
    const [, assistant, result] = value.request.messages;
    assert.deepEqual(assistant, {
      role: "assistant",
      stopReason: "stop",
      content: [
        { type: "tool_call", id: "c1", name: "apply_patch", arguments: { input: "*** Begin Patch" } },
      ],
    });
    assert.deepEqual(result, {
      role: "tool",
      toolCallId: "c1",
      toolName: "apply_patch",
      content: "Done",
      isError: false,
    });
  });

  it("answers a call of a custom tool as a custom_tool_call item, whole and streamed", () => {
    const message: AssistantMessage = {
      role: "assistant",
      stopReason: "tool_use",
      content: [
        { type: "tool_call", id: "c2", name: "apply_patch", arguments: { input: "*** Begin Patch\n" } },
      ],
    };
    const withCustom = { ...meta, customTools: new Set(["apply_patch"]) };
    const body = responsesBody(message, withCustom) as { output: Array<Record<string, unknown>> };
    assert.deepEqual(body.output[0], {
      type: "custom_tool_call",
      id: "ctc_c2",
      call_id: "c2",
      name: "apply_patch",
      input: "*** Begin Patch\n",
      status: "completed",
    });
    const stream = responsesStream(withCustom);
    const frames = stream.start() + stream.finish(message);
    const events = [...frames.matchAll(/^event: (\S+)/gm)].map((m) => m[1]);
    assert.deepEqual(events, [
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.custom_tool_call_input.delta",
      "response.custom_tool_call_input.done",
      "response.output_item.done",
      "response.completed",
    ]);
  });

  it("refuses previous_response_id: the gateway keeps no responses", () => {
    assert.deepEqual(parseResponsesRequest({ model: "m", input: "hi", previous_response_id: "resp_0" }), {
      ok: false,
      message: "previous_response_id is not supported: send the whole input (store: false)",
    });
  });
});

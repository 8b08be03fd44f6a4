/** MCP tools as hearth tools: names, effects from annotations, schemas as the server gives them, results. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMcpTool, mcpToolName, resultOf, toolEffect } from "./mcp-tools.ts";

describe("MCP tools", () => {
  it("are named mcp__<server>__<tool>, within the 64 characters model APIs take", () => {
    assert.equal(mcpToolName("fs", "read_file"), "mcp__fs__read_file");
    assert.equal(mcpToolName("fs", "read.file v2"), "mcp__fs__read_file_v2");
    const long = mcpToolName("server", "x".repeat(80));
    assert.equal(long.length, 64);
    assert.notEqual(long, mcpToolName("server", `${"x".repeat(79)}y`), "long names stay distinct");
  });

  it("take their effect from the annotations; no annotation is unknown", () => {
    assert.equal(
      toolEffect({ name: "a", inputSchema: {}, annotations: { readOnlyHint: true, destructiveHint: true } }),
      "read-only",
    );
    assert.equal(
      toolEffect({ name: "a", inputSchema: {}, annotations: { destructiveHint: true } }),
      "destructive",
    );
    assert.equal(
      toolEffect({
        name: "a",
        inputSchema: {},
        annotations: { readOnlyHint: false, destructiveHint: false },
      }),
      "write",
    );
    assert.equal(toolEffect({ name: "a", inputSchema: {} }), "unknown");
    assert.equal(toolEffect({ name: "a", inputSchema: {}, annotations: { readOnlyHint: false } }), "unknown");
  });

  it("keep the server's schema (an object schema) and call the server with the tool's own name", async () => {
    const calls: unknown[] = [];
    const tool = createMcpTool(
      "fs",
      {
        name: "read.file",
        description: "Reads.",
        inputSchema: { properties: { p: { type: "string" } }, $schema: "x" },
      },
      async (...args) => {
        calls.push(args.slice(0, 3));
        return { content: [{ type: "text", text: "done" }] };
      },
    );
    assert.equal(tool.name, "mcp__fs__read_file");
    assert.equal(tool.kind, "external");
    assert.deepEqual(tool.jsonSchema, { properties: { p: { type: "string" } }, type: "object" });
    const result = await tool.execute({ p: "x" }, { signal: new AbortController().signal, callId: "1" });
    assert.equal(result.content, "done");
    assert.deepEqual(calls, [["fs", "read.file", { p: "x" }]]);
  });

  it("turn content blocks into text; images and binary resources are placeholders, never base64", () => {
    const result = resultOf({
      isError: true,
      content: [
        { type: "text", text: "line one" },
        { type: "image", mimeType: "image/png", data: "A".repeat(400) },
        { type: "resource", resource: { uri: "file:///a.txt", text: "inside" } },
        { type: "resource", resource: { uri: "file:///b.bin", mimeType: "application/zip", blob: "QUJD" } },
        { type: "resource_link", uri: "file:///c", name: "c" },
      ],
    });
    assert.equal(result.isError, true);
    assert.equal(
      result.content,
      "line one\n[image: image/png, 300 bytes, not shown]\n[resource file:///a.txt]\ninside\n[resource file:///b.bin: application/zip, not shown]\n[resource link: file:///c (c)]",
    );
    assert.equal(resultOf({ structuredContent: { a: 1 } }).content, '{"a":1}');
  });
});

import type { Renderer } from "./script.ts";

// Placeholder until the adapter for this protocol lands; renders nothing useful.
export const renderOpenAIChat: Renderer = () => ({ framing: "json", frames: [{ data: "{}" }] });

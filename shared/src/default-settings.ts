import type { Settings } from "./settings.ts";

// Kept apart from the Settings schema, with no Zod: the first page starts from these defaults
// before the owner's settings arrive, and a module that builds schemas would bring all of Zod.
export const DEFAULT_SETTINGS: Settings = {
  defaultModel: null,
  systemPrompt: "",
  modelParameters: {},
  theme: "system",
  sendKey: "enter",
  streamingSmoothing: true,
  showReasoning: true,
  wrapCode: false,
  tools: [],
};

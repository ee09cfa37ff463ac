import { z } from "zod";
import { USAGE_LIMITS } from "./chat.ts";
import { ModelParameters } from "./models.ts";
import { Text } from "./text.ts";
import { ToolSelection } from "./tools.ts";

export const Theme = z.enum(["system", "light", "dark"]);
export type Theme = z.infer<typeof Theme>;

/** Which key sends: Enter (Shift+Enter for a new line), or Ctrl/Cmd+Enter. */
export const SendKey = z.enum(["enter", "mod-enter"]);
export type SendKey = z.infer<typeof SendKey>;

/** One owner's preferences (a user's, or a guest session's). */
export const Settings = z.strictObject({
  /** The model new conversations use; null = the server's default. */
  defaultModel: Text.min(1).max(100).nullable(),
  /** The system prompt new conversations start with. */
  systemPrompt: Text.max(USAGE_LIMITS.systemPromptChars),
  /** Per model id, parameters that override the configured defaults. */
  modelParameters: z.record(Text.min(1).max(100), ModelParameters),
  theme: Theme,
  sendKey: SendKey,
  /** Reveal streamed text at an even pace instead of in bursts. */
  streamingSmoothing: z.boolean(),
  /** Show reasoning text while it streams (it is always stored). */
  showReasoning: z.boolean(),
  /** Wrap long lines in code blocks instead of scrolling. */
  wrapCode: z.boolean(),
  /** The tools new conversations start with (tool ids, or `<server>.*`). */
  tools: ToolSelection,
});
export type Settings = z.infer<typeof Settings>;

/** Only the fields to change; each given field replaces the stored one whole. */
export const SettingsUpdateInput = Settings.partial();
export type SettingsUpdateInput = z.infer<typeof SettingsUpdateInput>;

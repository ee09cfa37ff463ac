import { z } from "zod";
import { ProviderStatus } from "./ops.ts";

export const ReasoningEffort = z.enum(["minimal", "low", "medium", "high"]);
export type ReasoningEffort = z.infer<typeof ReasoningEffort>;

/** Sampling parameters a model is called with; every field optional so settings can override one. */
export const ModelParameters = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.number().int().positive().max(1_000_000).optional(),
  reasoningEffort: ReasoningEffort.optional(),
});
export type ModelParameters = z.infer<typeof ModelParameters>;

export const ModelCapabilities = z.strictObject({
  /** Accepts images as input. */
  vision: z.boolean().default(false),
  /** Streams reasoning text apart from the answer. */
  reasoning: z.boolean().default(false),
  /** Can call tools (function calling): MCP servers' tools and web search. */
  tools: z.boolean().default(false),
});
export type ModelCapabilities = z.infer<typeof ModelCapabilities>;

/** A model as clients see it: never carries endpoints or keys. */
export const ModelInfo = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  capabilities: ModelCapabilities,
  parameters: ModelParameters,
});
export type ModelInfo = z.infer<typeof ModelInfo>;

/** A model in models.list: whether it can answer now, and if not, why. */
export const ListedModel = ModelInfo.extend({
  /** False while its provider is down: sends to it are refused with `unavailableReason`. */
  available: z.boolean(),
  unavailableReason: z.string().nullable(),
});
export type ListedModel = z.infer<typeof ListedModel>;

export const ModelsListOutput = z.object({
  models: z.array(ListedModel),
  /** The id used when a conversation names no model. */
  defaultModel: z.string(),
  /** True when no provider is configured and answers come from the built-in mock upstream. */
  demo: z.boolean(),
  /** Each provider's status; one that is down says why its models are unavailable (or missing). */
  providers: z.array(ProviderStatus),
});
export type ModelsListOutput = z.infer<typeof ModelsListOutput>;

export const ModelsListInput = z
  .strictObject({
    /** Only models with this capability (for example vision, when the message has images). */
    capability: z.enum(["vision", "reasoning", "tools"]).optional(),
  })
  .optional();
export type ModelsListInput = z.infer<typeof ModelsListInput>;

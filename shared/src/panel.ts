import { z } from "zod";

/** A JSON Schema document (draft 2020-12), as produced by Zod's `z.toJSONSchema`. */
export const JsonSchema = z.record(z.string(), z.unknown());
export type JsonSchema = z.infer<typeof JsonSchema>;

export const ProcedureKind = z.enum(["query", "mutation", "subscription"]);
export type ProcedureKind = z.infer<typeof ProcedureKind>;

/**
 * Marks, inside a JSON Schema, a value JSON Schema cannot express (a Date, a transform's
 * output…): `{ [UNREPRESENTABLE]: "Date" }` and a `$comment` saying what it is.
 */
export const UNREPRESENTABLE = "x-parley-unrepresentable";

/** One procedure of the API, as the panel and editors see it. */
export const ProcedureDescription = z.object({
  /** Dotted path, e.g. `conversations.create`. */
  path: z.string(),
  kind: ProcedureKind,
  /** From the procedure's `.meta({ description })`; null when it has none. */
  description: z.string().nullable(),
  /** The input's JSON Schema (what the caller sends); null when it takes no input. */
  input: JsonSchema.nullable(),
  /** True when the input may be left out altogether (an optional input, or none). */
  inputOptional: z.boolean(),
  /** The output's JSON Schema; null when it declares none (subscriptions, plain mutations). */
  output: JsonSchema.nullable(),
});
export type ProcedureDescription = z.infer<typeof ProcedureDescription>;

/** panel.procedures: every procedure of the router, sorted by path. */
export const PanelProceduresOutput = z.array(ProcedureDescription);
export type PanelProceduresOutput = z.infer<typeof PanelProceduresOutput>;

/** One call in the panel's history (kept in the browser's localStorage; never a token). */
export const PanelHistoryEntry = z.object({
  id: z.string(),
  path: z.string(),
  kind: ProcedureKind,
  /** The input as the form held it (JSON; Dates as ISO strings); secrets blanked. */
  input: z.unknown(),
  /** Whether it ran as the browser's session or with a pasted API token (never which token). */
  runAs: z.enum(["session", "token"]),
  /** When it ran, ISO 8601. */
  at: z.string(),
  /** "ok", the error code, or how a subscription ended. */
  outcome: z.string(),
  ok: z.boolean(),
  ms: z.number().nullable(),
});
export type PanelHistoryEntry = z.infer<typeof PanelHistoryEntry>;

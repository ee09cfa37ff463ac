// What operators and the app learn about the server's health: `/readyz` and provider status.

import { z } from "zod";

/**
 * A model provider as Parley last saw it: by its listing of models (at most once every 30 s)
 * and by the answers it gave. Never its URL or key.
 */
export const ProviderStatus = z.object({
  /** The provider's name in MODELS (`openai` unless set): `/api/chat-<name>` serves it. */
  name: z.string(),
  available: z.boolean(),
  /** Why it is unavailable, for people ("Could not reach the model provider."); null when up. */
  reason: z.string().nullable(),
  /** ISO times of the last answer that worked and the last failure; null for never. */
  lastSuccessAt: z.string().nullable(),
  lastFailureAt: z.string().nullable(),
  /** How many of the server's models it serves. */
  models: z.number().int().nonnegative(),
});
export type ProviderStatus = z.infer<typeof ProviderStatus>;

export const DependencyCheck = z.object({
  ok: z.boolean(),
  /** How long the check took, in milliseconds. */
  ms: z.number().nonnegative(),
  /** What went wrong, when it failed. */
  error: z.string().optional(),
});
export type DependencyCheck = z.infer<typeof DependencyCheck>;

/** `GET /readyz`: 200 when every dependency answers, 503 naming those that did not. */
export const Readiness = z.object({
  status: z.enum(["ready", "unavailable"]),
  /** The dependencies that failed (empty when ready). */
  failed: z.array(z.enum(["database", "redis"])),
  checks: z.object({
    database: DependencyCheck,
    /** Only when REDIS_URL is set. */
    redis: DependencyCheck.optional(),
  }),
  /** Informational: a provider that is down does not make the instance unready. */
  providers: z.array(ProviderStatus),
});
export type Readiness = z.infer<typeof Readiness>;

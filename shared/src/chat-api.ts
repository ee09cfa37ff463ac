// The plain HTTP chat routes (`POST /api/chat-openai`, `/api/chat-<provider>`, `/api/chat`): a
// stateless request in, a stream of server-sent events out. See the README for examples.

import { z } from "zod";
import { type GenerationEvent, Role } from "./chat.ts";

export const CHAT_API_LIMITS = {
  /** Messages in one request. */
  messages: 30,
  /** Characters in one message. */
  messageChars: 4_000,
  /** Characters in all messages and the system prompt together. */
  totalChars: 40_000,
  /** The output token cap unless the server sets CHAT_API_MAX_OUTPUT_TOKENS. */
  maxOutputTokens: 4_096,
  /** Bytes in a request body (413 above it). */
  bodyBytes: 1024 * 1024,
} as const;

export const ChatApiMessage = z.strictObject({
  role: Role,
  content: z.string().min(1).max(CHAT_API_LIMITS.messageChars),
});
export type ChatApiMessage = z.infer<typeof ChatApiMessage>;

/** Plain text (the default), or JSON that follows `schema` (a JSON Schema object). */
export const ChatApiResponseFormat = z.union([
  z.literal("text"),
  z.strictObject({
    type: z.literal("json_schema"),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().optional(),
  }),
]);
export type ChatApiResponseFormat = z.infer<typeof ChatApiResponseFormat>;

/** The request body, for a server whose output token cap is `maxOutputTokens`. */
export function chatApiRequest(maxOutputTokens: number) {
  return z
    .strictObject({
      messages: z.array(ChatApiMessage).min(1).max(CHAT_API_LIMITS.messages),
      system: z.string().max(CHAT_API_LIMITS.totalChars).optional(),
      /** A model id of this server (models.list); the server's default when omitted. */
      model: z.string().min(1).max(200).optional(),
      temperature: z.number().min(0).max(2).optional(),
      maxOutputTokens: z.number().int().positive().max(maxOutputTokens).optional(),
      responseFormat: ChatApiResponseFormat.optional(),
    })
    .superRefine((request, ctx) => {
      const total = request.messages.reduce(
        (sum, message) => sum + message.content.length,
        request.system?.length ?? 0,
      );
      if (total > CHAT_API_LIMITS.totalChars) {
        ctx.addIssue({
          code: "custom",
          path: ["messages"],
          message: `The messages and system prompt together have ${total} characters; at most ${CHAT_API_LIMITS.totalChars} are allowed.`,
        });
      }
    });
}

export const ChatApiRequest = chatApiRequest(CHAT_API_LIMITS.maxOutputTokens);
export type ChatApiRequest = z.infer<typeof ChatApiRequest>;

export const ChatApiErrorCode = z.enum([
  /** Malformed JSON, a failed check (`issues` says which) or an unknown model. */
  "bad_request",
  /** No signed-in account: sign in, or send `Authorization: Bearer <API token>`. */
  "unauthorized",
  /** The body is over 1 MB. */
  "payload_too_large",
  /** Over a rate limit: wait `Retry-After` seconds. */
  "rate_limited",
  /** The model's provider is down (see /readyz). */
  "model_unavailable",
  /** The provider refused or failed before the stream began; `status` is its HTTP status. */
  "upstream_error",
  /** Parley failed; the log has the details under the response's x-request-id. */
  "internal",
]);
export type ChatApiErrorCode = z.infer<typeof ChatApiErrorCode>;

/** Every non-2xx answer of the chat routes. */
export const ChatApiError = z.object({
  code: ChatApiErrorCode,
  message: z.string(),
  /** bad_request: Zod's issues, each with `path` and `message`. */
  issues: z
    .array(
      z.looseObject({
        code: z.string(),
        path: z.array(z.union([z.string(), z.number()])),
        message: z.string(),
      }),
    )
    .optional(),
  /** upstream_error: the provider's HTTP status, or null when it could not be reached. */
  status: z.number().int().nullable().optional(),
});
export type ChatApiError = z.infer<typeof ChatApiError>;

/**
 * The events of `POST /api/chat`, each sent as `event: <type>` and `data: <json>`: the
 * `token`, `reasoning`, `final` and `error` events of `generations.stream` (parse them with
 * `GenerationEvent`). The stream ends after `final` or `error`.
 */
export type ChatApiEvent = Extract<
  GenerationEvent,
  { type: "token" | "reasoning" | "final" | "error" }
>;

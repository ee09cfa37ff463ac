import { z } from "zod";
import { FILE_LIMITS } from "./file-types.ts";
import { FileRef, Sha256 } from "./files.ts";
import { ModelParameters } from "./models.ts";
import { Text } from "./text.ts";
import { ToolCallEvent, ToolResultEvent, ToolRounds, ToolSelection } from "./tools.ts";

/**
 * Usage limits. The schemas below enforce the per-message ones; the server enforces the counts
 * (and may be built with other values for tests or a deployment).
 */
export const USAGE_LIMITS = {
  /** Characters in one message. */
  messageChars: 100_000,
  /** Characters in a system prompt. */
  systemPromptChars: 20_000,
  /** Characters in a conversation title. */
  titleChars: 200,
  /** Messages (both roles, all branches) in one conversation. */
  messagesPerConversation: 2_000,
  /** Conversations one owner (user or guest) may keep. */
  conversationsPerOwner: 10_000,
  /** Share links (not revoked) one owner may keep. */
  sharesPerOwner: 1_000,
  /** Conversations per page of conversations.list. */
  listPageSize: 30,
  listPageSizeMax: 100,
  /** Characters in a conversations.list search. */
  searchChars: 200,
} as const;
export type UsageLimits = { [K in keyof typeof USAGE_LIMITS]: number };

const Id = Text.min(1).max(100);

/**
 * An id a client picks for a message it is about to create, so that it can subscribe to the
 * answer (generations.stream by messageId) while the send is still on its way: a UUID will do.
 */
export const ClientMessageId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,64}$/, "16 to 64 letters, digits, - or _ (a UUID will do)");

export const Role = z.enum(["user", "assistant", "system"]);
export type Role = z.infer<typeof Role>;

/** Token counts as reported by the upstream. */
export const TokenUsage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** Output tokens spent on reasoning (included in outputTokens). */
  reasoningTokens: z.number().int().nonnegative().optional(),
  totalTokens: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

/** One node of a conversation's message tree. */
export const Message = z.object({
  id: z.string(),
  conversationId: z.string(),
  /** null for a message at the root; siblings (same parent) are branches. */
  parentId: z.string().nullable(),
  role: Role,
  content: z.string(),
  /** Reasoning text streamed apart from the answer ("" when none). */
  reasoning: z.string(),
  /**
   * The answer was cut short: stopped, failed, or still being written (what a crash would leave);
   * `generationId` tells a running one apart.
   */
  interrupted: z.boolean(),
  /** The answer stopped at the model's output token limit: it may be continued. */
  truncated: z.boolean(),
  /** What went wrong while answering, in words; null when nothing did. */
  error: z.string().nullable(),
  /** The model that wrote an assistant message. */
  model: z.string().nullable(),
  parameters: ModelParameters.nullable(),
  usage: TokenUsage.nullable(),
  timeToFirstTokenMs: z.number().int().nullable(),
  /** The generation writing this message right now, to pass to generations.stream; else null. */
  generationId: z.string().nullable(),
  /** Files attached to a user message, in the order the model reads them ([] when none). */
  files: z.array(FileRef),
  /** The tool calls an answer made, round by round ([] when none). */
  toolRounds: ToolRounds,
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Message = z.infer<typeof Message>;

export const ConversationSummary = z.object({
  id: z.string(),
  title: z.string(),
  model: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;

/** A conversation with its whole message tree (children ordered by createdAt, then id). */
export const Conversation = ConversationSummary.extend({
  systemPrompt: z.string(),
  /** The tools last chosen for it (tool ids or `<server>.*`); null: the owner's default. */
  tools: ToolSelection.nullable(),
  messages: z.array(Message),
});
export type Conversation = z.infer<typeof Conversation>;

export const ConversationsListInput = z
  .strictObject({
    /** `nextCursor` of the previous page. */
    cursor: Text.max(500).optional(),
    limit: z.number().int().min(1).max(USAGE_LIMITS.listPageSizeMax).optional(),
    /**
     * Words that must all appear in the title or in some message. Never stored, and cleaned of
     * control characters by the search itself, so not `Text`: a stray NUL just finds nothing.
     */
    search: z.string().trim().max(USAGE_LIMITS.searchChars).optional(),
    /** Sent by TanStack Query's infinite queries; pages only go forward (newest first). */
    direction: z.enum(["forward", "backward"]).optional(),
  })
  .optional();
export type ConversationsListInput = z.infer<typeof ConversationsListInput>;

/** A piece of a search snippet; `highlight` marks the words that matched. */
export const SnippetPart = z.object({ text: z.string(), highlight: z.boolean() });
export type SnippetPart = z.infer<typeof SnippetPart>;

/** Where a search matched a conversation: its best message (null: only the title) and a snippet. */
export const SearchMatch = z.object({
  messageId: z.string().nullable(),
  snippet: z.array(SnippetPart),
});
export type SearchMatch = z.infer<typeof SearchMatch>;

export const ConversationListItem = ConversationSummary.extend({
  /** null when not searching. */
  match: SearchMatch.nullable(),
});
export type ConversationListItem = z.infer<typeof ConversationListItem>;

export const ConversationsListOutput = z.object({
  /** Most recently active first; when searching, best match first. */
  items: z.array(ConversationListItem),
  /** null on the last page. */
  nextCursor: z.string().nullable(),
});
export type ConversationsListOutput = z.infer<typeof ConversationsListOutput>;

export const ConversationIdInput = z.strictObject({ id: Id });
export type ConversationIdInput = z.infer<typeof ConversationIdInput>;

/** A share's public id (7 characters of nanoid's URL-safe alphabet); defined here for fromShare. */
export const ShareId = z.string().regex(/^[A-Za-z0-9_-]{7}$/, "not a share id");
export type ShareId = z.infer<typeof ShareId>;

export const CreateConversationInput = z
  .strictObject({
    /** A configured model id; the owner's default model when omitted. */
    model: Id.optional(),
    /** The owner's custom system prompt (settings) when omitted. */
    systemPrompt: Text.max(USAGE_LIMITS.systemPromptChars).optional(),
    /** A share id: the new conversation is a copy of that shared conversation (see shares.ts). */
    fromShare: ShareId.optional(),
  })
  .optional();
export type CreateConversationInput = z.infer<typeof CreateConversationInput>;

export const CreateConversationOutput = z.object({ conversationId: z.string() });
export type CreateConversationOutput = z.infer<typeof CreateConversationOutput>;

export const UpdateConversationInput = z.strictObject({
  id: Id,
  title: Text.trim().max(USAGE_LIMITS.titleChars).optional(),
  model: Id.optional(),
  systemPrompt: Text.max(USAGE_LIMITS.systemPromptChars).optional(),
});
export type UpdateConversationInput = z.infer<typeof UpdateConversationInput>;

/** A conversation's fields without its messages (what conversations.update returns). */
export const ConversationInfo = Conversation.omit({ messages: true });
export type ConversationInfo = z.infer<typeof ConversationInfo>;

/** How many conversations or messages a delete removed. */
export const DeletedOutput = z.object({ deleted: z.number().int() });
export type DeletedOutput = z.infer<typeof DeletedOutput>;

export const SendMode = z.enum(["new", "retry", "edit", "continue"]);
export type SendMode = z.infer<typeof SendMode>;

/**
 * - new: `content` as a user message under `parentId` (an assistant message; omitted = the
 *   root), and an answer under it;
 * - retry: another answer to the user message `messageId` (or to the parent of the assistant
 *   message `messageId`);
 * - edit: `content` as a sibling of the user message `messageId`, and an answer under it;
 * - continue: the assistant message `messageId` (which must have no children) grows.
 */
export const SendMessageInput = z
  .strictObject({
    /** The conversation; with `newConversation`, the id (chosen by the client) of one to start. */
    conversationId: Id,
    /**
     * Starts the conversation with this first message: one request instead of
     * conversations.create and a send (mode "new" only). Its model and system prompt as in
     * conversations.create: the owner's defaults when omitted.
     */
    newConversation: z
      .strictObject({
        model: Id.optional(),
        systemPrompt: Text.max(USAGE_LIMITS.systemPromptChars).optional(),
      })
      .optional(),
    parentId: Id.nullable().optional(),
    content: Text.max(USAGE_LIMITS.messageChars).optional(),
    /** Uploaded files (POST /files) to attach to the new user message (new and edit). */
    files: z.array(Sha256).max(FILE_LIMITS.perMessage).optional(),
    mode: SendMode.default("new"),
    messageId: Id.optional(),
    /** The id for the new answer (new, retry, edit), chosen by the client; else the server's. */
    assistantMessageId: ClientMessageId.optional(),
    /**
     * The tools the model may call for this answer (tool ids, or `<server>.*`; [] for none),
     * remembered for the conversation. Omitted: the conversation's last choice, else the
     * owner's default (settings).
     */
    tools: ToolSelection.optional(),
  })
  .superRefine((input, ctx) => {
    const needsContent = input.mode === "new" || input.mode === "edit";
    // Files alone make a message ("what is in this picture?" can go unsaid).
    if (needsContent && !input.content?.trim() && !input.files?.length) {
      ctx.addIssue({ code: "custom", path: ["content"], message: "Write a message first" });
    }
    if (!needsContent && input.files !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["files"],
        message: `mode "${input.mode}" takes no files`,
      });
    }
    if (!needsContent && input.content !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["content"],
        message: `mode "${input.mode}" takes no content`,
      });
    }
    if (input.mode !== "new" && !input.messageId) {
      ctx.addIssue({
        code: "custom",
        path: ["messageId"],
        message: `mode "${input.mode}" needs messageId`,
      });
    }
    if (input.mode === "continue" && input.assistantMessageId !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["assistantMessageId"],
        message: 'mode "continue" writes into messageId; it takes no assistantMessageId',
      });
    }
    if (input.mode !== "new" && input.parentId !== undefined) {
      ctx.addIssue({ code: "custom", path: ["parentId"], message: 'parentId is for mode "new"' });
    }
    if (input.newConversation) {
      if (input.mode !== "new") {
        ctx.addIssue({
          code: "custom",
          path: ["newConversation"],
          message: 'a new conversation starts with mode "new"',
        });
      }
      if (input.parentId) {
        ctx.addIssue({
          code: "custom",
          path: ["parentId"],
          message: "a new conversation's first message has no parent",
        });
      }
      if (!ClientMessageId.safeParse(input.conversationId).success) {
        ctx.addIssue({
          code: "custom",
          path: ["conversationId"],
          message: "a new conversation's id: 16 to 64 letters, digits, - or _ (a UUID will do)",
        });
      }
    }
  });
export type SendMessageInput = z.infer<typeof SendMessageInput>;

export const SendMessageOutput = z.object({
  generationId: z.string(),
  /** The assistant message being written (for continue, the one that grows). */
  assistantMessageId: z.string(),
  /** The user message created by new and edit. */
  userMessageId: z.string().optional(),
});
export type SendMessageOutput = z.infer<typeof SendMessageOutput>;

export const MessageRefInput = z.strictObject({ conversationId: Id, messageId: Id });
export type MessageRefInput = z.infer<typeof MessageRefInput>;

/** Exactly what was sent upstream for an answer: the API and the request body. */
export const RecordedPrompt = z.object({
  api: z.enum(["responses", "chat"]),
  request: z.record(z.string(), z.unknown()),
});
export type RecordedPrompt = z.infer<typeof RecordedPrompt>;

export const MessagePromptOutput = z.object({
  /** null for user messages and answers written before prompts were recorded. */
  prompt: RecordedPrompt.nullable(),
  model: z.string().nullable(),
  parameters: ModelParameters.nullable(),
  /**
   * After each tool round whose results went back to the model, the request that sent them:
   * the prompt with every call and result so far, exactly as sent ([] when no tools were called).
   */
  toolRounds: z.array(RecordedPrompt),
});
export type MessagePromptOutput = z.infer<typeof MessagePromptOutput>;

/** Why a generation failed. */
export const GenerationErrorCode = z.enum([
  /** The provider answered with an error, before or during the stream. */
  "upstream",
  /** The provider went silent for longer than the idle timeout. */
  "timeout",
  /** The provider finished without any answer text. */
  "empty",
  /** Parley itself failed. */
  "internal",
  /**
   * Not a failure of the answer: this stream could not be read here (the instance lost Redis,
   * say). The answer goes on being written and saved; reload the conversation to see it.
   */
  "unreadable",
]);
export type GenerationErrorCode = z.infer<typeof GenerationErrorCode>;

/**
 * A generation's events, in log order: `started`, then `token` / `reasoning` / `title` /
 * `tool_call` / `tool_result`, then
 * exactly one of `final` or `error`, which ends the stream.
 */
export const GenerationEvent = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("started"),
    generationId: z.string(),
    conversationId: z.string(),
    messageId: z.string(),
    model: z.string(),
    /** Text the tokens append to: the existing answer for continue, else "". */
    text: z.string(),
  }),
  /** `pad` makes the serialized event the same size whatever the text's length. */
  z.object({ type: z.literal("token"), text: z.string(), pad: z.string() }),
  z.object({ type: z.literal("reasoning"), text: z.string(), pad: z.string() }),
  z.object({ type: z.literal("title"), title: z.string() }),
  /** The model called a tool (each call of a round, then each result as it comes). */
  ToolCallEvent,
  ToolResultEvent,
  z.object({
    type: z.literal("final"),
    /** The whole answer as persisted. */
    text: z.string(),
    /** Stopped before the model finished. */
    interrupted: z.boolean(),
    /** Cut at the output token limit (the model had more to say). */
    truncated: z.boolean(),
    usage: TokenUsage.nullable(),
  }),
  z.object({
    type: z.literal("error"),
    code: GenerationErrorCode,
    message: z.string(),
  }),
]);
export type GenerationEvent = z.infer<typeof GenerationEvent>;
export type GenerationEventType = GenerationEvent["type"];

/**
 * Which generation to follow: by its id, or by the answer it writes (`messageId`), which may be
 * given before the send that starts it has returned: the stream waits for it to start.
 */
export const GenerationStreamInput = z
  .strictObject({
    generationId: Id.optional(),
    messageId: Id.optional(),
    /** The id of the last event received (`<generationId>:<seq>`); tRPC sends it on reconnect. */
    lastEventId: Text.max(200).nullish(),
  })
  .refine((input) => (input.generationId === undefined) !== (input.messageId === undefined), {
    message: "Give generationId or messageId (one of them)",
  });
export type GenerationStreamInput = z.infer<typeof GenerationStreamInput>;

export const GenerationIdInput = z.strictObject({ generationId: Id });
export type GenerationIdInput = z.infer<typeof GenerationIdInput>;

export const StopGenerationOutput = z.object({
  /** false when the generation had already ended. */
  stopped: z.boolean(),
});
export type StopGenerationOutput = z.infer<typeof StopGenerationOutput>;

export const ActiveGeneration = z.object({
  generationId: z.string(),
  conversationId: z.string(),
  messageId: z.string(),
  model: z.string(),
  startedAt: z.date(),
});
export type ActiveGeneration = z.infer<typeof ActiveGeneration>;

/** The caller's running generations, sent whole on subscribe and on every change. */
export const ActiveGenerations = z.object({ generations: z.array(ActiveGeneration) });
export type ActiveGenerations = z.infer<typeof ActiveGenerations>;

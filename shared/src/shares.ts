import { z } from "zod";
import { ConversationIdInput, ConversationSummary, Message, ShareId } from "./chat.ts";

/** `conversations.share`: the conversation `id`, shown at the branch that ends at `leafId`. */
export const ShareInput = ConversationIdInput.extend({
  /** The message the sharer is looking at (the end of the shown branch); the newest when omitted. */
  leafId: ConversationIdInput.shape.id.optional(),
  /** false: leave out the answers' tool calls and their results (kept by default). */
  includeTools: z.boolean().optional(),
});
export type ShareInput = z.infer<typeof ShareInput>;

export const ShareOutput = z.object({ shareId: ShareId });
export type ShareOutput = z.infer<typeof ShareOutput>;

export const ShareIdInput = z.strictObject({ shareId: ShareId });
export type ShareIdInput = z.infer<typeof ShareIdInput>;

/**
 * A message as a share shows it: what the conversation page shows, less what belongs to the
 * owner's account or server (usage, sampling parameters, timing, the conversation's id).
 * Ids are the share's own, not the conversation's.
 */
export const SharedMessage = Message.omit({
  conversationId: true,
  generationId: true,
  parameters: true,
  usage: true,
  timeToFirstTokenMs: true,
  updatedAt: true,
});
export type SharedMessage = z.infer<typeof SharedMessage>;

/** What `shares.get` shows anyone with the link: a read-only snapshot of a conversation. */
export const SharedConversation = ConversationSummary.pick({ title: true, model: true }).extend({
  shareId: ShareId,
  /** When it was shared. */
  createdAt: z.date(),
  /** The whole tree, so a viewer can switch branches (children ordered as in `Conversation`). */
  messages: z.array(SharedMessage),
  /** The last message of the branch the sharer was on: the branch shown first. */
  leafId: z.string(),
});
export type SharedConversation = z.infer<typeof SharedConversation>;

/** One of the owner's shares, for `shares.list`. */
export const ShareSummary = SharedConversation.pick({
  shareId: true,
  title: true,
  createdAt: true,
}).extend({
  /** The conversation it was taken from; null once that conversation was deleted. */
  conversationId: z.string().nullable(),
  messageCount: z.number().int(),
});
export type ShareSummary = z.infer<typeof ShareSummary>;

export const SharesListOutput = z.object({
  /** The owner's shares that still work (revoked ones are left out), newest first. */
  shares: z.array(ShareSummary),
});
export type SharesListOutput = z.infer<typeof SharesListOutput>;

export const RevokeShareOutput = z.object({ shareId: ShareId, revokedAt: z.date() });
export type RevokeShareOutput = z.infer<typeof RevokeShareOutput>;

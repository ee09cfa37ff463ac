import {
  Conversation,
  ConversationIdInput,
  ConversationInfo,
  ConversationsListInput,
  ConversationsListOutput,
  CreateConversationInput,
  CreateConversationOutput,
  DeletedOutput,
  UpdateConversationInput,
} from "@parley/shared";
import { ownerProcedure, router } from "../init.ts";

export const conversationsRouter = router({
  list: ownerProcedure
    .meta({ description: "Your conversations, most recently active first; `search` finds words." })
    .input(ConversationsListInput)
    .output(ConversationsListOutput)
    .query(({ ctx, input }) => ctx.chat.conversations.list(ctx.owner.id, input)),

  get: ownerProcedure
    .meta({ description: "One conversation with its whole message tree." })
    .input(ConversationIdInput)
    .output(Conversation)
    .query(({ ctx, input }) => ctx.chat.conversations.get(ctx.owner.id, input.id)),

  create: ownerProcedure
    .meta({ description: "Start an empty conversation (your default model and system prompt)." })
    .input(CreateConversationInput)
    .output(CreateConversationOutput)
    .mutation(({ ctx, input }) => ctx.chat.conversations.create(ctx.owner.id, input)),

  update: ownerProcedure
    .meta({ description: "Rename a conversation, or change its model or system prompt." })
    .input(UpdateConversationInput)
    .output(ConversationInfo)
    .mutation(({ ctx, input }) => ctx.chat.conversations.update(ctx.owner.id, input)),

  delete: ownerProcedure
    .meta({ description: "Delete a conversation; its running answers are stopped first." })
    .input(ConversationIdInput)
    .output(DeletedOutput)
    .mutation(({ ctx, input }) => ctx.chat.conversations.remove(ctx.owner.id, input.id)),

  deleteAll: ownerProcedure
    .meta({ description: "Delete all your conversations." })
    .output(DeletedOutput)
    .mutation(({ ctx }) => ctx.chat.conversations.removeAll(ctx.owner.id)),
});

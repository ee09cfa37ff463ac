import {
  Conversation,
  ConversationIdInput,
  ConversationInfo,
  ConversationsListInput,
  ConversationsListOutput,
  CreateConversationInput,
  CreateConversationOutput,
  DeletedOutput,
  ExportInput,
  ExportOutput,
  ImportInput,
  ImportOutput,
  ShareInput,
  ShareOutput,
  UpdateConversationInput,
} from "@parley/shared";
import { ownerProcedure, router } from "../init.ts";

export const conversationsRouter = router({
  list: ownerProcedure
    .meta({
      description:
        "Your conversations, most recently active first; with `search`, full-text matches, best first, with a snippet.",
    })
    .input(ConversationsListInput)
    .output(ConversationsListOutput)
    .query(({ ctx, input }) => ctx.chat.conversations.list(ctx.owner.id, input)),

  get: ownerProcedure
    .meta({ description: "One conversation with its whole message tree." })
    .input(ConversationIdInput)
    .output(Conversation)
    .query(({ ctx, input }) => ctx.chat.conversations.get(ctx.owner.id, input.id)),

  create: ownerProcedure
    .meta({
      description:
        "Start an empty conversation (your default model and system prompt), or a copy of a share.",
    })
    .input(CreateConversationInput)
    .output(CreateConversationOutput)
    .mutation(({ ctx, input }) =>
      ctx.chat.conversations.create(ctx.owner.id, input, { ownerIsNew: ctx.ownerIsNew }),
    ),

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

  share: ownerProcedure
    .meta({
      description:
        "Share a conversation read-only at the branch you are on; unchanged, it keeps its link.",
    })
    .input(ShareInput)
    .output(ShareOutput)
    .mutation(({ ctx, input }) => ctx.chat.shares.share(ctx.owner.id, input)),

  export: ownerProcedure
    .meta({
      description:
        "One conversation, or all of yours: JSON (whole trees and files, to import) or Markdown.",
    })
    .input(ExportInput)
    .output(ExportOutput)
    .query(({ ctx, input }) => ctx.chat.exports.export(ctx.owner.id, input)),

  import: ownerProcedure
    .meta({
      description:
        "Import a JSON export (Parley, ChatGPT, Open WebUI, LibreChat, chatbot-ui), branches kept; small files only (large ones and ZIPs: POST /imports).",
    })
    .input(ImportInput)
    .output(ImportOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.limits.checkUploadLimit(ctx.client.ip);
      return ctx.chat.imports.importText(ctx.owner.id, input);
    }),

  deleteAll: ownerProcedure
    .meta({ description: "Delete all your conversations." })
    .output(DeletedOutput)
    .mutation(({ ctx }) => ctx.chat.conversations.removeAll(ctx.owner.id)),
});

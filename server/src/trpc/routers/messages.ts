import {
  DeletedOutput,
  MessagePromptOutput,
  MessageRefInput,
  SendMessageInput,
  SendMessageOutput,
} from "@parley/shared";
import { ownerProcedure, router, senderProcedure } from "../init.ts";

export const messagesRouter = router({
  send: senderProcedure
    .meta({
      description: "Send, retry, edit or continue; returns at once with the generation to stream.",
    })
    .input(SendMessageInput)
    .output(SendMessageOutput)
    .mutation(({ ctx, input }) =>
      ctx.chat.messages.send(ctx.owner.id, input, {
        log: ctx.log,
        guest: ctx.owner.guest,
        admit: async () => {
          await ctx.limits.checkMessageLimits({
            ownerId: ctx.owner.id,
            email: ctx.owner.email,
            ip: ctx.client.ip,
          });
        },
        guestLimit: ctx.identity.guestLimit(ctx.owner),
        ownerIsNew: ctx.ownerIsNew,
        newGuest: ctx.newGuest,
      }),
    ),

  delete: ownerProcedure
    .meta({ description: "Delete a message and every message below it." })
    .input(MessageRefInput)
    .output(DeletedOutput)
    .mutation(({ ctx, input }) => ctx.chat.messages.remove(ctx.owner.id, input)),

  prompt: ownerProcedure
    .meta({ description: "The exact request, model and parameters that produced an answer." })
    .input(MessageRefInput)
    .output(MessagePromptOutput)
    .query(({ ctx, input }) => ctx.chat.messages.prompt(ctx.owner.id, input)),
});

import {
  RevokeShareOutput,
  SharedConversation,
  ShareIdInput,
  SharesListOutput,
} from "@parley/shared";
import { ownerProcedure, publicProcedure, router } from "../init.ts";

export const sharesRouter = router({
  get: publicProcedure
    .meta({ description: "A shared conversation, read-only, for anyone with its link." })
    .input(ShareIdInput)
    .output(SharedConversation)
    .query(({ ctx, input }) => ctx.chat.shares.get(input.shareId)),

  list: ownerProcedure
    .meta({ description: "Your share links that still work, newest first." })
    .output(SharesListOutput)
    .query(({ ctx }) => ctx.chat.shares.list(ctx.owner.id)),

  revoke: ownerProcedure
    .meta({ description: "Revoke one of your share links: it then shows NOT_FOUND to everyone." })
    .input(ShareIdInput)
    .output(RevokeShareOutput)
    .mutation(({ ctx, input }) => ctx.chat.shares.revoke(ctx.owner.id, input.shareId)),
});

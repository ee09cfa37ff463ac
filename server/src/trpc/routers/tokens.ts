import {
  ApiTokenInfo,
  CreateTokenInput,
  CreateTokenOutput,
  RevokeTokenInput,
} from "@parley/shared";
import { z } from "zod";
import { router, userProcedure } from "../init.ts";

export const tokensRouter = router({
  list: userProcedure
    .meta({ description: "Your personal API tokens (never their secrets)." })
    .output(z.array(ApiTokenInfo))
    .query(({ ctx }) => ctx.tokens.list(ctx.user.id)),

  create: userProcedure
    .meta({
      description: "Create an API token for scripts; its secret is shown only in this answer.",
    })
    .input(CreateTokenInput)
    .output(CreateTokenOutput)
    .mutation(({ ctx, input }) => ctx.tokens.create(ctx.user.id, input)),

  revoke: userProcedure
    .meta({ description: "Revoke an API token: scripts using it get UNAUTHORIZED." })
    .input(RevokeTokenInput)
    .mutation(({ ctx, input }) => ctx.tokens.revoke(ctx.user.id, input.id)),
});

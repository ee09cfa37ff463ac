import {
  AuthMeOutput,
  RevokeSessionInput,
  SessionInfo,
  SignInInput,
  SignUpInput,
} from "@parley/shared";
import { z } from "zod";
import { publicProcedure, router, userProcedure } from "../init.ts";

const SignedIn = z.object({ user: AuthMeOutput.shape.user.unwrap() });

export const authRouter = router({
  me: publicProcedure
    .meta({ description: "The current user or guest, and what this server allows." })
    .output(AuthMeOutput)
    .query(({ ctx }) => ctx.identity.me(ctx.caller)),

  signUp: publicProcedure
    .meta({
      description:
        "Create an account with email and password, and sign in; a guest's chats move to it.",
    })
    .input(SignUpInput)
    .output(SignedIn)
    .mutation(async ({ ctx, input }) => {
      const { user, cookie } = await ctx.identity.signUp(input, ctx.caller, ctx.client);
      ctx.setCookie(cookie);
      const { guest: _guest, ...account } = user;
      return { user: account };
    }),

  signIn: publicProcedure
    .meta({ description: "Sign in with email and password; a guest's chats move to the account." })
    .input(SignInInput)
    .output(SignedIn)
    .mutation(async ({ ctx, input }) => {
      const { user, cookie } = await ctx.identity.signIn(input, ctx.caller, ctx.client);
      ctx.setCookie(cookie);
      const { guest: _guest, ...account } = user;
      return { user: account };
    }),

  signOut: publicProcedure
    .meta({ description: "End this session and clear its cookie." })
    .mutation(async ({ ctx }) => {
      ctx.setCookie(await ctx.identity.signOut(ctx.caller));
    }),

  sessions: userProcedure
    .meta({ description: "Your signed-in sessions, newest activity first." })
    .output(z.array(SessionInfo))
    .query(({ ctx }) => ctx.identity.sessions(ctx.caller)),

  revokeSession: userProcedure
    .meta({ description: "Sign out one of your sessions." })
    .input(RevokeSessionInput)
    .mutation(({ ctx, input }) => ctx.identity.revokeSession(ctx.user.id, input.id)),
});

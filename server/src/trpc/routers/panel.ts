import { PanelProceduresOutput as Output, type PanelProceduresOutput } from "@parley/shared";
import { type AnyTRPCRouter, TRPCError } from "@trpc/server";
import { describeProcedures } from "../describe.ts";
import { publicProcedure, router } from "../init.ts";

/**
 * The API panel shows every procedure and runs them: in production it is for admins
 * (ADMIN_EMAILS); in demo mode, outside production, or with PANEL=open, for anyone.
 */
const panelProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const open =
    ctx.config.panel === "open" || ctx.config.env !== "production" || ctx.models.list().demo;
  if (open || ctx.caller.user?.admin) return next();
  throw new TRPCError({
    code: "FORBIDDEN",
    message: "The API panel is for admins (ADMIN_EMAILS) on this server, unless PANEL=open.",
  });
});

/** The panel's router, describing `api()`: the app's router, which includes this one. */
export function createPanelRouter(api: () => AnyTRPCRouter) {
  return router({
    procedures: panelProcedure
      .meta({
        description:
          "Every procedure of the API: path, kind, description, and input and output JSON Schemas.",
      })
      .output(Output)
      // The return type is spelled out: it must not depend on the router it describes.
      .query((): PanelProceduresOutput => describeProcedures(api())),
  });
}

import { PanelProceduresOutput as Output, type PanelProceduresOutput } from "@parley/shared";
import { TRPCError } from "@trpc/server";
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

export const panelRouter = router({
  procedures: panelProcedure
    .meta({
      description:
        "Every procedure of the API: path, kind, description, and input and output JSON Schemas.",
    })
    .output(Output)
    // The return type is spelled out: it must not depend on the router it describes.
    .query(async (): Promise<PanelProceduresOutput> => {
      // Imported when called: router.ts imports this file, so a static import would be a cycle.
      const { appRouter } = await import("../router.ts");
      return describeProcedures(appRouter);
    }),
});

import { ToolsListOutput } from "@parley/shared";
import { publicProcedure, router } from "../init.ts";

export const toolsRouter = router({
  list: publicProcedure
    .meta({
      description:
        "The tool servers (MCP servers and built-in web search), their status and tools; ids are <server>.<tool>.",
    })
    .output(ToolsListOutput)
    .query(({ ctx }) => ({
      servers: ctx.tools.list(),
      // Anonymous callers would chat as guests.
      allowed: ctx.tools.config.guests || (ctx.caller.user !== null && !ctx.caller.user.guest),
    })),
});

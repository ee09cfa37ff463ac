import type { AnyTRPCRouter } from "@trpc/server";
import { router } from "./init.ts";
import { authRouter } from "./routers/auth.ts";
import { conversationsRouter } from "./routers/conversations.ts";
import { generationsRouter } from "./routers/generations.ts";
import { messagesRouter } from "./routers/messages.ts";
import { modelsRouter } from "./routers/models.ts";
import { createPanelRouter } from "./routers/panel.ts";
import { settingsRouter } from "./routers/settings.ts";
import { sharesRouter } from "./routers/shares.ts";
import { tokensRouter } from "./routers/tokens.ts";
import { toolsRouter } from "./routers/tools.ts";

export const appRouter = router({
  auth: authRouter,
  models: modelsRouter,
  tools: toolsRouter,
  tokens: tokensRouter,
  conversations: conversationsRouter,
  messages: messagesRouter,
  generations: generationsRouter,
  settings: settingsRouter,
  shares: sharesRouter,
  panel: createPanelRouter(api),
});

/** The router the panel describes: this one, read when asked (it is not built yet here). */
function api(): AnyTRPCRouter {
  return appRouter;
}

/** The API's type: scripts and the web app import it as a type only. */
export type AppRouter = typeof appRouter;

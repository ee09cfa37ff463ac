import { router } from "./init.ts";
import { authRouter } from "./routers/auth.ts";
import { conversationsRouter } from "./routers/conversations.ts";
import { generationsRouter } from "./routers/generations.ts";
import { messagesRouter } from "./routers/messages.ts";
import { modelsRouter } from "./routers/models.ts";
import { settingsRouter } from "./routers/settings.ts";
import { tokensRouter } from "./routers/tokens.ts";

export const appRouter = router({
  auth: authRouter,
  models: modelsRouter,
  tokens: tokensRouter,
  conversations: conversationsRouter,
  messages: messagesRouter,
  generations: generationsRouter,
  settings: settingsRouter,
});

/** The API's type: scripts and the web app import it as a type only. */
export type AppRouter = typeof appRouter;

import { router } from "./init.ts";
import { authRouter } from "./routers/auth.ts";
import { modelsRouter } from "./routers/models.ts";
import { tokensRouter } from "./routers/tokens.ts";

export const appRouter = router({
  auth: authRouter,
  models: modelsRouter,
  tokens: tokensRouter,
});

/** The API's type: scripts and the web app import it as a type only. */
export type AppRouter = typeof appRouter;

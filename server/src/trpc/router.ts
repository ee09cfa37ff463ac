import { router } from "./init.ts";
import { modelsRouter } from "./routers/models.ts";

export const appRouter = router({
  models: modelsRouter,
});

/** The API's type: scripts and the web app import it as a type only. */
export type AppRouter = typeof appRouter;

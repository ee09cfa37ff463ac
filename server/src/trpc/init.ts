import { initTRPC } from "@trpc/server";
import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { FastifyBaseLogger } from "fastify";
import superjson from "superjson";
import { ZodError } from "zod";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import type { ModelRegistry } from "../llm/registry.ts";

/** What every procedure may use: the app's services, built once in buildApp. */
export interface Services {
  config: Config;
  db: Db;
  models: ModelRegistry;
}

export interface Context extends Services {
  requestId: string;
  log: FastifyBaseLogger;
}

export function createContextFactory(services: Services) {
  return ({ req }: CreateFastifyContextOptions): Context => ({
    ...services,
    requestId: req.id,
    log: req.log,
  });
}

/** `.meta({ description })` on a procedure is shown by the API panel and editors. */
export interface Meta {
  description?: string;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    sse: {
      // Pings keep proxies from closing idle streams; the client reconnects if they stop.
      ping: { enabled: true, intervalMs: 10_000 },
      client: { reconnectAfterInactivityMs: 25_000 },
    },
    errorFormatter({ shape, error }) {
      const zodError = error.cause instanceof ZodError ? error.cause : undefined;
      return {
        ...shape,
        data: {
          ...shape.data,
          // The Zod issues of a rejected input, so clients can show what was wrong.
          zodIssues: zodError ? zodError.issues : null,
        },
      };
    },
  });

export const router = t.router;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;

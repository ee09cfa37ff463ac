import { randomUUID } from "node:crypto";
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyRequest } from "fastify";
import type { DestinationStream } from "pino";
import { removeIdleGuests } from "./auth/guests.ts";
import { createIdentityService } from "./auth/identity.ts";
import { createLucia } from "./auth/lucia.ts";
import { registerOriginCheck } from "./auth/origin.ts";
import { createTokenService } from "./auth/tokens.ts";
import { type ChatOptions, createChatService } from "./chat/service.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/client.ts";
import { createFileService } from "./files/service.ts";
import { createFilesystemStore } from "./files/store.ts";
import { registerErrorHandler } from "./http/errors.ts";
import { registerFileRoutes } from "./http/files.ts";
import { registerHealth } from "./http/health.ts";
import { registerOidcRoutes } from "./http/oidc.ts";
import { registerSecurityHeaders } from "./http/security.ts";
import { registerSpa } from "./http/spa.ts";
import { registerTrpcBodyLimits } from "./http/trpc-body-limit.ts";
import { createLimits } from "./limits/index.ts";
import type { MockUpstream } from "./llm/mock/index.ts";
import { createModelRegistry } from "./llm/registry.ts";
import { createContextFactory, type Services } from "./trpc/init.ts";
import { type AppRouter, appRouter } from "./trpc/router.ts";

const SESSION_PURGE_INTERVAL_MS = 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export interface AppDeps {
  config: Config;
  db: Db;
  /** Demo mode's upstream; tests pass their own to inspect what it received. */
  mock?: MockUpstream;
  /** Separates this app's keys in a shared Redis (tests run several apps against one). */
  redisKeyPrefix?: string;
  /** Where log lines go (stdout by default); tests collect them. */
  logDestination?: DestinationStream;
  /** Chat engine settings: timeouts, log expiry, limits (tests shorten them). */
  chat?: Partial<ChatOptions>;
  /** How often idle guests and unused uploads are swept away (hourly; tests shorten it). */
  sweepIntervalMs?: number;
}

/** Builds the whole HTTP app: tRPC at /trpc, plain routes, and the SPA. Used by main.ts and tests. */
export async function buildApp(deps: AppDeps) {
  const { config, db } = deps;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(deps.logDestination ? { stream: deps.logDestination } : {}),
      serializers: {
        // tRPC GET requests carry their input in the query string (a search, a prompt id):
        // log the path only, never what the user typed.
        req: (request: FastifyRequest) => ({
          method: request.method,
          url: request.url.split("?", 1)[0],
          remoteAddress: request.ip,
        }),
      },
    },
    genReqId: () => randomUUID(),
    // Batched tRPC calls put every procedure name in the path.
    routerOptions: { maxParamLength: 5_000 },
    // close() must not wait for open SSE streams: drop every connection so streams end.
    forceCloseConnections: true,
  });
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  const tokens = createTokenService(db);
  const limits = createLimits({
    config,
    keyPrefix: deps.redisKeyPrefix ? `${deps.redisKeyPrefix}:limits` : undefined,
    onRedisError: (error) => app.log.warn({ err: error }, "rate limits: Redis unavailable"),
  });
  app.addHook("onClose", () => limits.close());
  const auth = createLucia(db, config.identity);
  // Expired sessions are refused when read; this also removes the ones never read again.
  const purge = setInterval(() => {
    auth.deleteExpiredSessions().catch((error: unknown) => {
      app.log.error({ err: error }, "could not purge expired sessions");
    });
  }, SESSION_PURGE_INTERVAL_MS).unref();
  app.addHook("onClose", async () => clearInterval(purge));
  const registry = await createModelRegistry(config, { mock: deps.mock });
  const files = createFileService({
    db,
    store: createFilesystemStore(config.filesDir),
    maxBytes: config.uploadMaxBytes,
    quotaBytes: config.uploadQuotaBytes,
  });
  const chat = createChatService({
    db,
    models: registry,
    files,
    options: { ...config.chat, ...deps.chat },
  });
  // Running answers are stopped and saved (interrupted) before the database closes.
  app.addHook("onClose", () => chat.close());
  // Every instance sweeps; the deletes are conditional, so two sweeping at once remove nothing twice.
  let sweeping: Promise<void> | undefined;
  const sweep = setInterval(() => {
    sweeping ??= (async () => {
      const guests = await removeIdleGuests(db, config.identity.guestRetentionDays);
      const unused = await files.removeUnused(config.uploadGraceMs);
      if (guests + unused.uploads + unused.files > 0) {
        app.log.info({ guests, ...unused }, "swept idle guests and unused uploads");
      }
    })()
      .catch((error: unknown) => app.log.error({ err: error }, "sweep failed"))
      .finally(() => {
        sweeping = undefined;
      });
  }, deps.sweepIntervalMs ?? SWEEP_INTERVAL_MS).unref();
  app.addHook("onClose", async () => {
    clearInterval(sweep);
    await sweeping;
  });
  const services: Services = {
    config,
    db,
    models: registry,
    chat,
    files,
    tokens,
    limits,
    identity: createIdentityService({
      db,
      auth,
      tokens,
      identity: config.identity,
      throttle: limits,
    }),
  };

  const { demo, models } = services.models.list();
  app.log.info(
    { database: config.database.kind, models: models.map((model) => model.id) },
    demo
      ? "demo mode: no provider configured, answers come from the built-in mock upstream"
      : "models configured",
  );

  registerErrorHandler(app);
  await registerSecurityHeaders(app, config.publicUrl);
  registerOriginCheck(app, config.publicUrl);
  registerTrpcBodyLimits(app, "/trpc");
  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      createContext: createContextFactory(services),
      onError({ error, path, ctx, req }) {
        // Expected client errors are the caller's business; log only what is ours to fix.
        if (error.code === "INTERNAL_SERVER_ERROR") {
          (ctx?.log ?? req.log).error({ err: error, path }, "procedure failed");
        }
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });
  registerHealth(app, db);
  await registerFileRoutes(app, { files, identity: services.identity, limits });
  registerOidcRoutes(app, { config, db, identity: services.identity, limits });
  await registerSpa(app, config.webDistDir);
  return app;
}

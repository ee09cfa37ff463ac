import { randomUUID } from "node:crypto";
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import type { DestinationStream } from "pino";
import { removeIdleGuests } from "./auth/guests.ts";
import { createIdentityService } from "./auth/identity.ts";
import { createLucia } from "./auth/lucia.ts";
import { createRedisPendingSignIns } from "./auth/pending-sign-ins.ts";
import { type CallerCache, createCallerCache, type Forget } from "./auth/session-cache.ts";
import { createTokenService } from "./auth/tokens.ts";
import { createRedisBus } from "./chat/bus/redis.ts";
import { abandonedEnding } from "./chat/generations/saves.ts";
import { type ChatOptions, createChatService } from "./chat/service.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/client.ts";
import { createFileService } from "./files/service.ts";
import { createFilesystemStore } from "./files/store.ts";
import { registerChatApi } from "./http/chat-api.ts";
import { registerErrorHandler } from "./http/errors.ts";
import { registerFileRoutes } from "./http/files.ts";
import { registerHealth, registerReadiness } from "./http/health.ts";
import { registerImportRoutes } from "./http/imports.ts";
import { registerMetrics, registerRequestMetrics } from "./http/metrics.ts";
import { registerOidcRoutes } from "./http/oidc.ts";
import { registerOriginCheck } from "./http/origin.ts";
import { registerSecurityHeaders } from "./http/security.ts";
import { registerSpa } from "./http/spa.ts";
import { registerSubscriptionStreams } from "./http/subscriptions.ts";
import { registerTrpcBodyLimits } from "./http/trpc-body-limit.ts";
import { createRateLimits } from "./limits/index.ts";
import type { MockUpstream } from "./llm/mock/index.ts";
import type { ProviderOptions } from "./llm/providers.ts";
import { createModelRegistry } from "./llm/registry.ts";
import { createMetrics, observers } from "./metrics/index.ts";
import { connectRedis, redisConnector } from "./redis.ts";
import type { Backoff } from "./tools/mcp.ts";
import { createToolService } from "./tools/service.ts";
import {
  createCallerFactory,
  createContextFactory,
  type Services,
  SSE_TIMING,
} from "./trpc/init.ts";
import { type AppRouter, appRouter } from "./trpc/router.ts";

const SESSION_PURGE_INTERVAL_MS = 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export interface AppDeps {
  config: Config;
  db: Db;
  /** Demo mode's upstream; tests pass their own to inspect what it received. */
  mock?: MockUpstream;
  /** Overrides REDIS_KEY_PREFIX (tests run several apps against one Redis). */
  redisKeyPrefix?: string;
  /** Where log lines go (stdout by default); tests collect them. */
  logDestination?: DestinationStream;
  /** Chat engine settings: timeouts, log expiry, limits (tests shorten them). */
  chat?: Partial<ChatOptions>;
  /** How often providers are checked, and how long a listing may take (tests shorten them). */
  providers?: Partial<ProviderOptions>;
  /** How soon a failed MCP server is retried (tests shorten it). */
  toolBackoff?: Backoff;
  /** How often idle guests and unused uploads are swept away (hourly; tests shorten it). */
  sweepIntervalMs?: number;
  /** How long a cookie's or token's caller is remembered (tests that change sessions behind the
   * server's back set 0). */
  callerCacheTtlMs?: number;
}

/**
 * What instances share through Redis when REDIS_URL is set: the generation bus, pending OIDC
 * sign-ins, and the forgetting of cached callers. Throws RedisUnavailable when Redis does not
 * answer: with REDIS_URL set, Parley does not start without it.
 */
async function shareThroughRedis(
  app: FastifyInstance,
  options: { url: string; prefix: string; db: Db; callers: CallerCache; logTtlMs?: number },
) {
  const connect = redisConnector(options.url, app.log);
  const redis = await connectRedis(options.url, connect);
  const bus = await createRedisBus({
    redis,
    connect,
    prefix: `${options.prefix}:bus`,
    ttlMs: options.logTtlMs,
    log: app.log,
    abandoned: (info) => abandonedEnding(options.db, info.messageId),
  });
  // A session signed out or revoked here is forgotten by every instance's cache.
  await bus.subscribe("forget", (message) => {
    const { from, forget } = JSON.parse(message) as { from: string; forget: Forget };
    if (from !== bus.instanceId) options.callers.apply(forget);
  });
  options.callers.onForget((forget) => {
    bus.publish("forget", JSON.stringify({ from: bus.instanceId, forget })).catch((error) => {
      app.log.warn({ err: error }, "could not tell other instances to forget a session");
    });
  });
  return {
    bus,
    pendingSignIns: createRedisPendingSignIns(redis, options.prefix),
    /** After the chat service has closed the bus. */
    close: async () => {
      redis.disconnect();
    },
  };
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
    trustProxy:
      typeof config.trustProxy === "number"
        ? // That many proxies in front: believe the addresses they add.
          (_address: string, hop: number) => hop < (config.trustProxy as number)
        : config.trustProxy,
    // Batched tRPC calls put every procedure name in the path.
    routerOptions: { maxParamLength: 5_000 },
    // close() must not wait for open SSE streams: drop every connection so streams end.
    forceCloseConnections: true,
  });
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  const metrics = createMetrics();
  registerRequestMetrics(app, metrics);

  const callers = createCallerCache({ ttlMs: deps.callerCacheTtlMs });
  const tokens = createTokenService(db, { callers });
  const limits = createRateLimits({
    config,
    keyPrefix: `${deps.redisKeyPrefix ?? config.redisKeyPrefix}:limits`,
    onRedisError: (error) => app.log.warn({ err: error }, "rate limits: Redis unavailable"),
    onLimited: (limit) => metrics.rateLimited(limit),
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
  const registry = await createModelRegistry(config, {
    mock: deps.mock,
    db,
    log: app.log,
    providers: deps.providers,
  });
  app.addHook("onClose", () => registry.close());
  // Metrics and provider health hear how every generation and chat route request went.
  const observer = observers(metrics.generations, registry.observer);
  const files = createFileService({
    db,
    store: createFilesystemStore(config.filesDir),
    maxBytes: config.uploadMaxBytes,
    pdfMaxPages: config.pdfMaxPages,
    quotaBytes: config.uploadQuotaBytes,
  });
  const tools = createToolService({
    config: config.tools,
    demo: registry.list().demo,
    log: app.log,
    backoff: deps.toolBackoff,
  });
  // After the chat service's close (hooks run in reverse): no answer is left calling a tool.
  app.addHook("onClose", () => tools.close());
  const chatOptions = { ...config.chat, ...deps.chat };
  const shared = config.redisUrl
    ? await shareThroughRedis(app, {
        url: config.redisUrl,
        prefix: deps.redisKeyPrefix ?? config.redisKeyPrefix,
        db,
        callers,
        logTtlMs: chatOptions.logTtlMs,
      })
    : undefined;
  const chat = createChatService({
    db,
    models: registry,
    files,
    bus: shared?.bus,
    tools,
    options: chatOptions,
    observer,
    log: app.log,
  });
  // Running answers are stopped and saved (interrupted) before the database closes.
  app.addHook("onClose", async () => {
    await chat.close();
    await shared?.close();
  });
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
    models: registry,
    chat,
    tools,
    tokens,
    limits,
    identity: createIdentityService({
      db,
      auth,
      tokens,
      identity: config.identity,
      throttle: limits,
      callers,
      adoptGuestChats: chat.adoptGuestChats,
    }),
  };

  const { demo, models, providers } = services.models.list();
  app.log.info(
    { database: config.database.kind, models: models.map((model) => model.id) },
    demo
      ? "demo mode: no provider configured, answers come from the built-in mock upstream"
      : models.length > 0
        ? "models configured"
        : `no models yet: ${providers.flatMap((provider) => provider.reason ?? []).join(" ")}`,
  );

  registerErrorHandler(app);
  registerSecurityHeaders(app, config.publicUrl);
  registerOriginCheck(app, config.publicUrl);
  registerTrpcBodyLimits(app, "/trpc");
  const createContext = createContextFactory(services);
  registerSubscriptionStreams(app, {
    prefix: "/trpc",
    paths: ["generations.stream", "generations.active"],
    router: appRouter,
    createContext,
    createCaller: createCallerFactory(appRouter),
    ...SSE_TIMING,
    onInternalError: (error, path, request) =>
      request.log.error({ err: error, path }, "procedure failed"),
  });
  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      createContext,
      onError({ error, path, ctx, req }) {
        // Expected client errors are the caller's business; log only what is ours to fix.
        if (error.code === "INTERNAL_SERVER_ERROR") {
          (ctx?.log ?? req.log).error({ err: error, path }, "procedure failed");
        }
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });
  registerHealth(app, db);
  registerReadiness(app, { db, limits, models: registry });
  registerMetrics(app, { metrics, token: config.metricsToken });
  await registerChatApi(app, {
    config,
    identity: services.identity,
    limits,
    models: registry,
    observer,
  });
  await registerFileRoutes(app, { files, identity: services.identity, limits });
  await registerImportRoutes(app, {
    imports: chat.imports,
    identity: services.identity,
    limits,
    maxBytes: config.importMaxBytes,
  });
  registerOidcRoutes(app, {
    config,
    db,
    identity: services.identity,
    limits,
    pending: shared?.pendingSignIns,
  });
  await registerSpa(app, config.webDistDir);
  return app;
}

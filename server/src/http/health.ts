import type { DependencyCheck, Readiness } from "@parley/shared";
import type { FastifyInstance } from "fastify";
import type { Db } from "../db/client.ts";
import type { RateLimits } from "../limits/index.ts";
import type { ModelRegistry } from "../llm/registry.ts";

/** GET /healthz: 200 when the database answers, 503 otherwise. */
export function registerHealth(app: FastifyInstance, db: Db) {
  app.get("/healthz", async (request, reply) => {
    try {
      await db.$queryRaw`SELECT 1`;
      return { status: "ok" };
    } catch (error) {
      request.log.error({ err: error }, "health check: database unreachable");
      return reply.code(503).send({ status: "unavailable", reason: "database" });
    }
  });
}

/** How long a dependency may take to answer before it counts as down. */
export const READINESS_TIMEOUT_MS = 2_000;

/**
 * GET /readyz: the database and (with REDIS_URL) Redis, each timed; 503 naming those that
 * failed. Providers are reported, not checked here: one that is down leaves the instance ready.
 */
export function registerReadiness(
  app: FastifyInstance,
  deps: {
    db: Db;
    limits: Pick<RateLimits, "store" | "ping">;
    models: Pick<ModelRegistry, "providers">;
  },
) {
  const { db, limits, models } = deps;
  app.get("/readyz", async (request, reply) => {
    const log = (name: string, error: unknown) =>
      request.log.warn({ err: error }, `readiness: ${name} failed`);
    const [database, redis] = await Promise.all([
      timed(
        () => db.$queryRaw`SELECT 1`,
        (error) => log("database", error),
      ),
      limits.store === "redis"
        ? timed(
            () => limits.ping(),
            (error) => log("redis", error),
          )
        : undefined,
    ]);
    const failed = [
      ...(database.ok ? [] : (["database"] as const)),
      ...(redis && !redis.ok ? (["redis"] as const) : []),
    ];
    const body: Readiness = {
      status: failed.length === 0 ? "ready" : "unavailable",
      failed,
      checks: { database, ...(redis ? { redis } : {}) },
      providers: models.providers(),
    };
    return reply
      .code(failed.length === 0 ? 200 : 503)
      .header("cache-control", "no-store")
      .send(body);
  });
}

class TimedOut extends Error {}

async function timed(
  check: () => Promise<unknown>,
  onError: (error: unknown) => void,
): Promise<DependencyCheck> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TimedOut(`no answer within ${READINESS_TIMEOUT_MS} ms`)),
      READINESS_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([check(), timeout]);
    return { ok: true, ms: elapsed() };
  } catch (error) {
    onError(error);
    // Details stay in the log: connection errors name internal hosts.
    const message = error instanceof TimedOut ? error.message : "failed (see the log)";
    return { ok: false, ms: elapsed(), error: message };
  } finally {
    clearTimeout(timer);
  }
}

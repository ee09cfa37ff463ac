// Child process: a real Parley (Fastify + tRPC, chat engine) on a free port, configured through
// MODELS to call the benchmark's upstream over HTTP like any OpenAI-compatible endpoint (demo
// mode when there is none), on a fresh in-memory PGlite or on a PostgreSQL schema the parent
// made (BENCH_PG_SCHEMA, shared by every instance of a target), with REDIS_URL and a key prefix
// when the parent gives them. Rate limits and guest allowances are off. Diagnostics for the
// benchmark: CPU and event loop, upstream fetch failures, on request the database operations
// (BENCH_COUNT_QUERIES=1: the counting wraps every query, so it is off by default) and a CPU
// profile of a phase.

import { buildApp } from "../server/src/app.ts";
import { parseConfig } from "../server/src/config.ts";
import type { Db } from "../server/src/db/client.ts";
import { createTestDatabase } from "../server/test/helpers/database.ts";
import { now } from "./clock.ts";
import { openSchema } from "./database.ts";
import { serveParent } from "./ipc.ts";
import { modelsSetting } from "./models.ts";
import { createProbe, settle } from "./probe.ts";
import { createProfiler } from "./profiler.ts";

export interface ParleyHello {
  url: string;
  /** An API token of an account made at start, for the /api/chat-openai target. */
  apiToken: string;
}

/** Signs up an account over HTTP and makes it an API token (the route refuses guests). */
async function accountToken(url: string): Promise<string> {
  const call = async (path: string, input: unknown, cookie?: string) => {
    const response = await fetch(`${url}/trpc/${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: url,
        ...(cookie ? { cookie } : {}),
      },
      body: JSON.stringify({ json: input }),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response;
  };
  const email = `bench-${process.pid}-${Date.now()}@example.com`;
  const signedUp = await call("auth.signUp", { email, password: "bench-password-1" });
  const cookie = signedUp.headers.getSetCookie()[0]?.split(";", 1)[0];
  const created = await call("tokens.create", { name: "bench" }, cookie);
  const reply = (await created.json()) as { result: { data: { json: { secret: string } } } };
  return reply.result.data.json.secret;
}

/** Prisma operations Parley ran during a phase, and how long each took from Parley's side. */
export interface DatabaseStats {
  operations: number;
  /** Sum of the operations' durations (they overlap: a queue on one PGlite connection). */
  totalMs: number;
  byOperation: Record<string, { count: number; meanMs: number }>;
}

/** Diagnostics: why Parley's upstream requests failed before a response, by cause. */
const fetchFailures = new Map<string, number>();

function describeFailure(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    parts.push(`${current.name}${typeof code === "string" ? ` ${code}` : ""}: ${current.message}`);
    current = current.cause;
  }
  return parts.join(" <- ") || String(error);
}

// The openai SDK takes the global fetch when a client is built, so wrap it before buildApp.
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  try {
    return await realFetch(input, init);
  } catch (error) {
    const key = describeFailure(error);
    fetchFailures.set(key, (fetchFailures.get(key) ?? 0) + 1);
    throw error;
  }
};

/** The client with every operation timed (a query extension; transactions included). */
function timed(db: Db, operations: Map<string, { count: number; totalMs: number }>): Db {
  return db.$extends({
    query: {
      async $allOperations({ model, operation, args, query }) {
        const started = now();
        try {
          return await query(args);
        } finally {
          const key = `${model ?? "$raw"}.${operation}`;
          const entry = operations.get(key) ?? { count: 0, totalMs: 0 };
          entry.count += 1;
          entry.totalMs += now() - started;
          operations.set(key, entry);
        }
      },
    },
  }) as unknown as Db;
}

/** The database this instance uses: PostgreSQL (the parent's schema), else in-memory PGlite. */
async function openDatabase(): Promise<{ db: Db; close(): Promise<void> }> {
  const schema = process.env.BENCH_PG_SCHEMA;
  const url = process.env.TEST_DATABASE_URL;
  if (!schema) return createTestDatabase("pglite");
  if (!url) throw new Error("BENCH_PG_SCHEMA needs TEST_DATABASE_URL");
  const db = await openSchema(url, schema);
  return { db, close: () => db.$disconnect() };
}

await serveParent(async () => {
  const upstreamURL = process.env.BENCH_UPSTREAM_URL;
  const config = parseConfig({
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "silent",
    ...(upstreamURL ? { MODELS: modelsSetting(upstreamURL) } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    RATE_LIMIT_MESSAGES_PER_MINUTE: "0",
    RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "0",
    GUEST_MESSAGE_LIMIT: "0",
    // Every simulated user is a new guest from 127.0.0.1.
    RATE_LIMIT_IP_GUESTS_PER_HOUR: "0",
  });
  const database = await openDatabase();
  const operations = new Map<string, { count: number; totalMs: number }>();
  const app = await buildApp({
    config,
    db: process.env.BENCH_COUNT_QUERIES === "1" ? timed(database.db, operations) : database.db,
    redisKeyPrefix: process.env.BENCH_REDIS_PREFIX,
  });
  await app.listen({ host: config.host, port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("Parley has no TCP address");
  const probe = createProbe();
  const profiler = createProfiler();
  const url = `http://127.0.0.1:${address.port}`;
  const apiToken = await accountToken(url);
  return {
    hello: { url, apiToken } satisfies ParleyHello,
    handlers: {
      "stats-start": () => {
        probe.start();
        operations.clear();
      },
      "stats-read": () => probe.read(),
      settle: () => settle(),
      "db-stats": (): DatabaseStats => {
        const byOperation: DatabaseStats["byOperation"] = {};
        let count = 0;
        let totalMs = 0;
        for (const [key, entry] of operations) {
          byOperation[key] = { count: entry.count, meanMs: entry.totalMs / entry.count };
          count += entry.count;
          totalMs += entry.totalMs;
        }
        return { operations: count, totalMs, byOperation };
      },
      /** Upstream fetch failures since the last call, by cause. */
      "fetch-failures": () => {
        const found = Object.fromEntries(fetchFailures);
        fetchFailures.clear();
        return found;
      },
      ...profiler.handlers,
    },
    async close() {
      profiler.close();
      await app.close();
      await database.close();
    },
  };
});

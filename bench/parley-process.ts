// Child process: a real Parley (Fastify + tRPC, chat engine) on a free port, configured through
// MODELS to call the mock upstream over HTTP like any OpenAI-compatible endpoint, with a fresh
// database (in-memory PGlite, or a new schema in TEST_DATABASE_URL's PostgreSQL). Rate limits
// and guest allowances are off. Diagnostics for the benchmark: CPU and event loop, database
// operations, upstream fetch failures, and on request a CPU profile of a phase.

import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { buildApp } from "../server/src/app.ts";
import { parseConfig } from "../server/src/config.ts";
import type { Db } from "../server/src/db/client.ts";
import { createTestDatabase, type DatabaseKind } from "../server/test/helpers/database.ts";
import { now } from "./clock.ts";
import { serveParent } from "./ipc.ts";
import { modelsSetting } from "./models.ts";
import { createProbe } from "./probe.ts";

export interface ParleyHello {
  url: string;
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

await serveParent(async () => {
  const mockURL = process.env.BENCH_MOCK_URL;
  if (!mockURL) throw new Error("BENCH_MOCK_URL is not set");
  const kind = (process.env.BENCH_DATABASE ?? "pglite") as DatabaseKind;
  const config = parseConfig({
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "silent",
    MODELS: modelsSetting(mockURL),
    RATE_LIMIT_MESSAGES_PER_MINUTE: "0",
    RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "0",
    GUEST_MESSAGE_LIMIT: "0",
    // Every simulated user is a new guest from 127.0.0.1.
    RATE_LIMIT_IP_GUESTS_PER_HOUR: "0",
  });
  const database = await createTestDatabase(kind);
  const operations = new Map<string, { count: number; totalMs: number }>();
  const app = await buildApp({ config, db: timed(database.db, operations) });
  await app.listen({ host: config.host, port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("Parley has no TCP address");
  const probe = createProbe();
  const inspector = new Session();
  inspector.connect();
  return {
    hello: { url: `http://127.0.0.1:${address.port}` } satisfies ParleyHello,
    handlers: {
      "stats-start": () => {
        probe.start();
        operations.clear();
      },
      "stats-read": () => probe.read(),
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
      "profile-start": async () => {
        await inspector.post("Profiler.enable");
        await inspector.post("Profiler.start");
      },
      /** Stops profiling and writes the V8 CPU profile (Chrome DevTools format) to `file`. */
      "profile-stop": async (file) => {
        const { profile } = await inspector.post("Profiler.stop");
        writeFileSync(String(file), JSON.stringify(profile));
      },
    },
    async close() {
      inspector.disconnect();
      await app.close();
      await database.close();
    },
  };
});

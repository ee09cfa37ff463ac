// Benchmark parameters: command-line flags, else BENCH_* environment variables, else defaults.

import { parseArgs } from "node:util";
import { BENCH_MODELS, type BenchApi } from "./models.ts";
import type { SubscribeWhen } from "./targets.ts";

export type DatabaseKind = "pglite" | "postgres";

export interface BenchOptions {
  /** Answer tokens per stream. */
  tokens: number;
  /** The upstream's delay before each token. */
  delayMs: number;
  /** Concurrency levels, e.g. [1, 100]. */
  concurrency: number[];
  /** Measured rounds per level and API (each: one batch per target, in a rotating order). */
  rounds: number;
  /** Streams per batch at level 1, one after the other. */
  sequential: number;
  /** Concurrent streams per target and API before measuring (discarded). */
  warmup: number;
  apis: BenchApi[];
  /** One Parley target per database, all in the same run. */
  databases: DatabaseKind[];
  /** Parley processes behind nginx on one PostgreSQL schema (0: no such target). */
  instances: number;
  /** The instances share one Redis (REDIS_URL, or TEST_REDIS_URL). */
  redis: string | undefined;
  subscribe: SubscribeWhen;
  /** A stream that has not finished after this long counts as an error. */
  streamTimeoutMs: number;
  /** No new round starts after this many seconds. */
  maxSeconds: number;
  /** Where the JSON results go (a dated copy is written beside it). */
  out: string;
  /** Write V8 CPU profiles of Parley's and the proxy's first measured round per level next to the results. */
  profile: boolean;
  /** Count Parley's database operations (a Prisma extension around every query). */
  countQueries: boolean;
}

const FLAGS = {
  tokens: { env: "BENCH_TOKENS", default: "200", help: "answer tokens per stream" },
  delay: { env: "BENCH_DELAY_MS", default: "5", help: "upstream delay before each token (ms)" },
  concurrency: { env: "BENCH_CONCURRENCY", default: "1,100", help: "concurrency levels" },
  rounds: { env: "BENCH_ROUNDS", default: "3", help: "measured rounds per level and API" },
  sequential: { env: "BENCH_SEQUENTIAL", default: "5", help: "streams per round at level 1" },
  warmup: { env: "BENCH_WARMUP", default: "10", help: "warm-up streams per target and API" },
  apis: { env: "BENCH_APIS", default: "chat,responses", help: "upstream APIs: chat,responses" },
  database: {
    env: "BENCH_DATABASE",
    default: "pglite",
    help: "pglite and/or postgres (TEST_DATABASE_URL)",
  },
  instances: {
    env: "BENCH_INSTANCES",
    default: "0",
    help: "Parley processes behind nginx, one PostgreSQL schema",
  },
  subscribe: {
    env: "BENCH_SUBSCRIBE",
    default: "first-send",
    help: "first-send (the send starts the conversation; then the stream), or create, then after-send or with-send (by message id)",
  },
  "stream-timeout": { env: "BENCH_STREAM_TIMEOUT_MS", default: "60000", help: "per stream (ms)" },
  "max-seconds": { env: "BENCH_MAX_SECONDS", default: "1800", help: "no round starts after" },
  out: {
    env: "BENCH_OUT",
    default: new URL("./results/latest.json", import.meta.url).pathname,
    help: "JSON results file",
  },
} as const;

const SWITCHES = {
  redis: { env: "BENCH_REDIS", help: "the instances share REDIS_URL (or TEST_REDIS_URL)" },
  profile: { env: "BENCH_PROFILE", help: "CPU profiles of Parley and the bare proxy" },
  "count-queries": { env: "BENCH_COUNT_QUERIES", help: "count Parley's database operations" },
} as const;

type Flag = keyof typeof FLAGS;
type Switch = keyof typeof SWITCHES;

export function usage(): string {
  const lines = Object.entries(FLAGS).map(
    ([name, flag]) =>
      `  --${name.padEnd(15)} ${flag.env.padEnd(24)} ${flag.help} (${flag.default})`,
  );
  for (const [name, flag] of Object.entries(SWITCHES)) {
    lines.push(`  --${name.padEnd(15)} ${`${flag.env}=1`.padEnd(24)} ${flag.help} (off)`);
  }
  return [
    "Usage: pnpm bench [flags]          streaming: direct upstream, bare proxy, Parley",
    "       pnpm bench idle [flags]     2,000 idle generations.active subscriptions",
    "       pnpm bench restart [flags]  `pnpm start` until /healthz answers",
    "       pnpm bench search [flags]   conversation search",
    "       (each with --help)",
    "",
    "Streaming flags (flag, or environment variable):",
    ...lines,
  ].join("\n");
}

export function readOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | "help" {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      ...(Object.fromEntries(
        Object.keys(FLAGS).map((name) => [name, { type: "string" }]),
      ) as Record<Flag, { type: "string" }>),
      ...(Object.fromEntries(
        Object.keys(SWITCHES).map((name) => [name, { type: "boolean" }]),
      ) as Record<Switch, { type: "boolean" }>),
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const raw = (name: Flag) => values[name] ?? env[FLAGS[name].env] ?? FLAGS[name].default;
  const on = (name: Switch) =>
    values[name] ?? ["1", "true"].includes(env[SWITCHES[name].env] ?? "");
  const whole = (name: Flag, min: number, max: number) => {
    const value = Number(raw(name));
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`--${name}: expected a whole number from ${min} to ${max}, got ${raw(name)}`);
    }
    return value;
  };
  const concurrency = list(raw("concurrency")).map(Number);
  if (concurrency.some((level) => !Number.isInteger(level) || level < 1 || level > 2000)) {
    throw new Error(`--concurrency: expected levels from 1 to 2000, got ${raw("concurrency")}`);
  }
  const apis = oneOf(
    "apis",
    list(raw("apis")),
    BENCH_MODELS.map((model) => model.api),
  );
  const databases = oneOf("database", list(raw("database")), ["pglite", "postgres"] as const);
  const instances = whole("instances", 0, 16);
  const redis = on("redis") ? (env.REDIS_URL ?? env.TEST_REDIS_URL) : undefined;
  if (on("redis") && !redis) {
    throw new Error("--redis needs REDIS_URL or TEST_REDIS_URL (e.g. redis://127.0.0.1:6379)");
  }
  if (on("redis") && instances === 0) {
    throw new Error("--redis is for the instances behind nginx: add --instances N");
  }
  const needsPostgres = databases.includes("postgres") || instances > 0;
  if (needsPostgres && !env.TEST_DATABASE_URL) {
    throw new Error(
      "PostgreSQL (--database postgres, --instances) needs TEST_DATABASE_URL " +
        "(e.g. postgresql://postgres@127.0.0.1:5432/test)",
    );
  }
  const [subscribe] = oneOf("subscribe", [raw("subscribe")], [
    "first-send",
    "after-send",
    "with-send",
  ] as const);
  return {
    tokens: whole("tokens", 2, 100_000),
    delayMs: whole("delay", 0, 10_000),
    concurrency,
    rounds: whole("rounds", 1, 100),
    sequential: whole("sequential", 1, 10_000),
    warmup: whole("warmup", 0, 2_000),
    apis,
    databases,
    instances,
    redis,
    subscribe: subscribe ?? "first-send",
    streamTimeoutMs: whole("stream-timeout", 100, 3_600_000),
    maxSeconds: whole("max-seconds", 1, 36_000),
    out: raw("out"),
    profile: on("profile"),
    countQueries: on("count-queries"),
  };
}

export function list(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function oneOf<T extends string>(flag: string, items: string[], known: readonly T[]): T[] {
  const unknown = items.find((item) => !known.includes(item as T));
  if (unknown !== undefined || items.length === 0) {
    throw new Error(`--${flag}: expected some of ${known.join(",")}, got ${items.join(",")}`);
  }
  return [...new Set(items)] as T[];
}

/** A side bench's `--name` value as a whole number of at least `min`. */
export function wholeNumber(name: string, value: string, min: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) {
    throw new Error(`--${name}: expected a whole number ≥ ${min}, got ${value}`);
  }
  return number;
}

/** A side bench's `--database`: PGlite, or PostgreSQL when TEST_DATABASE_URL names one. */
export function databaseKind(value: string): "pglite" | "postgres" {
  if (value !== "pglite" && value !== "postgres") {
    throw new Error(`--database: expected pglite or postgres, got ${value}`);
  }
  if (value === "postgres" && !process.env.TEST_DATABASE_URL) {
    throw new Error("--database postgres needs TEST_DATABASE_URL");
  }
  return value;
}

// Benchmark parameters: command-line flags, else BENCH_* environment variables, else defaults.

import { parseArgs } from "node:util";
import { BENCH_MODELS, type BenchApi } from "./models.ts";

export interface BenchOptions {
  /** Answer tokens per stream. */
  tokens: number;
  /** The mock upstream's delay before each token. */
  delayMs: number;
  /** Concurrency levels, e.g. [1, 200]. */
  concurrency: number[];
  /** Measured rounds per level (each: the direct client, then Parley). */
  rounds: number;
  /** Streams measured at concurrency 1, over all rounds (one after the other). */
  sequential: number;
  /** Concurrent streams per path and API before measuring (discarded). */
  warmup: number;
  apis: BenchApi[];
  /** A stream that has not finished after this long counts as an error. */
  streamTimeoutMs: number;
  /** No new round starts after this many seconds. */
  maxSeconds: number;
  /** Where the JSON results go. */
  out: string;
  /** Parley's database: in-memory PGlite, or a fresh schema in TEST_DATABASE_URL. */
  database: "pglite" | "postgres";
  /** Write V8 CPU profiles of Parley's first measured round per level next to the results. */
  profile: boolean;
}

const FLAGS = {
  tokens: { env: "BENCH_TOKENS", default: "40", help: "answer tokens per stream" },
  delay: { env: "BENCH_DELAY_MS", default: "5", help: "mock delay before each token (ms)" },
  concurrency: { env: "BENCH_CONCURRENCY", default: "1,200", help: "concurrency levels" },
  rounds: { env: "BENCH_ROUNDS", default: "2", help: "measured rounds per level" },
  sequential: { env: "BENCH_SEQUENTIAL", default: "20", help: "streams measured at level 1" },
  warmup: { env: "BENCH_WARMUP", default: "50", help: "warm-up streams per path and API" },
  apis: { env: "BENCH_APIS", default: "chat,responses", help: "upstream APIs: chat,responses" },
  "stream-timeout": { env: "BENCH_STREAM_TIMEOUT_MS", default: "30000", help: "per stream (ms)" },
  database: {
    env: "BENCH_DATABASE",
    default: "pglite",
    help: "pglite, or postgres (TEST_DATABASE_URL)",
  },
  "max-seconds": { env: "BENCH_MAX_SECONDS", default: "240", help: "no round starts after" },
  out: {
    env: "BENCH_OUT",
    default: new URL("./results/latest.json", import.meta.url).pathname,
    help: "JSON results file",
  },
} as const;

type Flag = keyof typeof FLAGS;

export function usage(): string {
  const lines = Object.entries(FLAGS).map(
    ([name, flag]) =>
      `  --${name.padEnd(15)} ${flag.env.padEnd(24)} ${flag.help} (${flag.default})`,
  );
  lines.push(
    `  --${"profile".padEnd(15)} ${"BENCH_PROFILE=1".padEnd(24)} CPU profile of Parley (off)`,
  );
  return `Usage: pnpm bench [flags]   (flag, or environment variable)\n${lines.join("\n")}`;
}

export function readOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | "help" {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      ...(Object.fromEntries(
        Object.keys(FLAGS).map((name) => [name, { type: "string" }]),
      ) as Record<Flag, { type: "string" }>),
      help: { type: "boolean", short: "h" },
      profile: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const raw = (name: Flag) => values[name] ?? env[FLAGS[name].env] ?? FLAGS[name].default;
  const whole = (name: Flag, min: number, max: number) => {
    const value = Number(raw(name));
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`--${name}: expected a whole number from ${min} to ${max}, got ${raw(name)}`);
    }
    return value;
  };
  const concurrency = raw("concurrency")
    .split(",")
    .map((item) => Number(item.trim()));
  if (concurrency.some((level) => !Number.isInteger(level) || level < 1 || level > 2000)) {
    throw new Error(`--concurrency: expected levels from 1 to 2000, got ${raw("concurrency")}`);
  }
  const known = BENCH_MODELS.map((model) => model.api as string);
  const apis = raw("apis")
    .split(",")
    .map((item) => item.trim());
  const unknown = apis.find((api) => !known.includes(api));
  if (unknown !== undefined || apis.length === 0) {
    throw new Error(`--apis: expected some of ${known.join(",")}, got ${raw("apis")}`);
  }
  return {
    tokens: whole("tokens", 2, 10_000),
    delayMs: whole("delay", 0, 10_000),
    concurrency,
    rounds: whole("rounds", 1, 100),
    sequential: whole("sequential", 1, 10_000),
    warmup: whole("warmup", 0, 2_000),
    apis: apis as BenchApi[],
    streamTimeoutMs: whole("stream-timeout", 100, 600_000),
    maxSeconds: whole("max-seconds", 1, 3_600),
    out: raw("out"),
    database: readDatabase(raw("database"), env),
    profile: values.profile ?? ["1", "true"].includes(env.BENCH_PROFILE ?? ""),
  };
}

function readDatabase(value: string, env: NodeJS.ProcessEnv): BenchOptions["database"] {
  if (value !== "pglite" && value !== "postgres") {
    throw new Error(`--database: expected pglite or postgres, got ${value}`);
  }
  if (value === "postgres" && !env.TEST_DATABASE_URL) {
    throw new Error(
      "--database postgres needs TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)",
    );
  }
  return value;
}

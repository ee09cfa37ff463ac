// Streaming benchmark (issue 4, acceptance 9): how much Parley adds, in time to first token and
// per token, over a client reading the mock upstream directly, at 1 and at 200 concurrent
// streams, for the Chat Completions and the Responses API. Not a test: it measures and reports.
//
//   pnpm bench [--tokens 40] [--delay 5] [--concurrency 1,200] [--rounds 2] …   (--help)
//
// Three processes, so that no event loop measures another's work as its own:
//   mock-process.ts    the mock OpenAI upstream over HTTP, noting when each token leaves it;
//   parley-process.ts  a real Parley (in-memory PGlite) whose MODELS point at the mock over HTTP;
//   this process       the clients: the openai SDK reading the mock directly (the baseline), and
//                      Parley's typed tRPC client (send, then the SSE subscription).
// All take times from the machine's monotonic clock, so per-token lag spans processes.

import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { parseConfig } from "../server/src/config.ts";
import { createModelRegistry, type ModelRoute } from "../server/src/llm/registry.ts";
import { CookieJar, createClient } from "../server/test/helpers/server.ts";
import { now } from "./clock.ts";
import { startChild } from "./ipc.ts";
import { formatJson } from "./json.ts";
import type { MockHello, UpstreamRecord } from "./mock-process.ts";
import { BENCH_MODELS, type BenchApi, benchPrompt, modelsSetting } from "./models.ts";
import { type BenchOptions, readOptions, usage } from "./options.ts";
import type { DatabaseStats, ParleyHello } from "./parley-process.ts";
import { addStats, createProbe, type ProcessStats } from "./probe.ts";
import { formatReport, type LevelResult } from "./report.ts";
import { compare, summarize } from "./stats.ts";
import { directStream, type ParleyClient, parleyStream, type StreamSample } from "./streams.ts";

type Path = "direct" | "parley";
type ProcessName = "client" | "parley" | "mock";

const SETUP_PARALLELISM = 16;

/** Runs `count` jobs on `workers` workers (worker i always gets slot i); bounded by `count`. */
async function pool<T>(
  count: number,
  workers: number,
  job: (worker: number, index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, count) }, async (_, worker) => {
      while (next < count) {
        const index = next++;
        results.push(await job(worker, index));
      }
    }),
  );
  return results;
}

async function main(options: BenchOptions) {
  const startedAt = now();
  const loadBefore = loadavg()[0] ?? 0;
  const runId = Math.random().toString(36).slice(2, 8);
  const log = (message: string) =>
    console.error(`[bench ${((now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`);

  const mock = await startChild<MockHello>(new URL("./mock-process.ts", import.meta.url), {
    BENCH_TOKENS: String(options.tokens),
    BENCH_DELAY_MS: String(options.delayMs),
  });
  const children: { stop(): Promise<void> }[] = [mock];
  try {
    const profiles = join(dirname(options.out), "profiles");
    if (options.profile) mkdirSync(profiles, { recursive: true });
    const parley = await startChild<ParleyHello>(new URL("./parley-process.ts", import.meta.url), {
      BENCH_MOCK_URL: mock.hello.baseURL,
      BENCH_DATABASE: options.database,
    });
    children.push(parley);
    log(`mock upstream at ${mock.hello.baseURL}, Parley at ${parley.hello.url}`);

    // The baseline's SDK clients: built by Parley's own registry from the same MODELS setting.
    const registry = await createModelRegistry(
      parseConfig({ MODELS: modelsSetting(mock.hello.baseURL) }),
    );
    const routes = new Map<BenchApi, ModelRoute>();
    for (const model of BENCH_MODELS) {
      const route = registry.route(model.id);
      if (!route) throw new Error(`no route for ${model.id}`);
      routes.set(model.api, route);
    }

    // One owner (guest, own cookie jar) per concurrent stream, each with one titled
    // conversation per API, so a measured send never starts a title request.
    const slots = Math.max(...options.concurrency, options.warmup, 1);
    const clients: ParleyClient[] = Array.from({ length: slots }, () =>
      createClient(parley.hello.url, { jar: new CookieJar() }),
    );
    const conversations = new Map<BenchApi, string[]>();
    for (const api of options.apis) {
      const model = BENCH_MODELS.find((candidate) => candidate.api === api)?.id;
      const ids = new Array<string>(slots);
      await pool(slots, SETUP_PARALLELISM, async (_, slot) => {
        const client = clients[slot] as ParleyClient;
        const { conversationId } = await client.conversations.create.mutate({ model });
        await client.conversations.update.mutate({ id: conversationId, title: "bench" });
        ids[slot] = conversationId;
      });
      conversations.set(api, ids);
    }
    log(`setup: ${slots} guests, ${slots * options.apis.length} conversations`);

    const prompt = (tag: string) => benchPrompt(tag, options.tokens, options.delayMs);
    const batch = (
      api: BenchApi,
      path: Path,
      label: string,
      count: number,
      concurrency: number,
    ): Promise<StreamSample[]> =>
      pool(count, concurrency, (worker, index) => {
        const tag = `b${api}-${label}-${index}-${runId}`;
        return path === "direct"
          ? directStream(routes.get(api) as ModelRoute, tag, prompt(tag), options.streamTimeoutMs)
          : parleyStream(
              clients[worker] as ParleyClient,
              conversations.get(api)?.[worker] as string,
              tag,
              prompt(tag),
              options.streamTimeoutMs,
            );
      });

    for (const api of options.apis) {
      for (const path of ["direct", "parley"] as const) {
        const samples = await batch(api, path, `warm-${path}`, options.warmup, options.warmup);
        const failed = samples.filter((sample) => sample.error !== undefined);
        if (failed.length > 0) {
          log(`warm-up ${api}/${path}: ${failed.length} streams failed: ${failed[0]?.error}`);
        }
        await mock.call(
          "collect",
          samples.map((sample) => sample.tag),
        );
        await parley.call("fetch-failures");
      }
    }
    log(`warm-up: ${options.warmup} concurrent streams per path and API`);

    const probe = createProbe();
    const profileFiles: string[] = [];
    let stoppedEarly = false;

    /** Rounds of direct-then-Parley batches at one level for one API; undefined if none ran. */
    const measure = async (api: BenchApi, level: number): Promise<LevelResult | undefined> => {
      const samples: Record<Path, StreamSample[]> = { direct: [], parley: [] };
      const records = new Map<string, UpstreamRecord>();
      const processes: Record<Path, Record<ProcessName, ProcessStats | undefined>> = {
        direct: { client: undefined, parley: undefined, mock: undefined },
        parley: { client: undefined, parley: undefined, mock: undefined },
      };
      const databaseStats: Record<Path, DatabaseStats[]> = { direct: [], parley: [] };
      const fetchFailures: Record<string, number> = {};
      const perRound = level === 1 ? Math.ceil(options.sequential / options.rounds) : level;
      for (let round = 0; round < options.rounds; round++) {
        if (now() - startedAt > options.maxSeconds * 1000) {
          stoppedEarly = true;
          break;
        }
        for (const path of ["direct", "parley"] as const) {
          const profiling = options.profile && path === "parley" && round === 0;
          probe.start();
          await Promise.all([mock.call("stats-start"), parley.call("stats-start")]);
          if (profiling) await parley.call("profile-start");
          const got = await batch(api, path, `c${level}-r${round}-${path}`, perRound, level);
          const [mockStats, parleyStats, dbStats] = await Promise.all([
            mock.call<ProcessStats>("stats-read"),
            parley.call<ProcessStats>("stats-read"),
            parley.call<DatabaseStats>("db-stats"),
          ]);
          const clientStats = probe.read();
          if (profiling) {
            const file = join(profiles, `parley-${api}-c${level}.cpuprofile`);
            await parley.call("profile-stop", file);
            profileFiles.push(file);
          }
          const mine = processes[path];
          mine.client = addStats(mine.client, clientStats);
          mine.parley = addStats(mine.parley, parleyStats);
          mine.mock = addStats(mine.mock, mockStats);
          databaseStats[path].push(dbStats);
          samples[path].push(...got);
          const found = await mock.call<Record<string, UpstreamRecord>>(
            "collect",
            got.map((sample) => sample.tag),
          );
          for (const [tag, record] of Object.entries(found)) records.set(tag, record);
          const failed = await parley.call<Record<string, number>>("fetch-failures");
          for (const [cause, count] of Object.entries(failed)) {
            fetchFailures[cause] = (fetchFailures[cause] ?? 0) + count;
          }
        }
      }
      if (samples.direct.length === 0) return undefined;
      const direct = summarize(samples.direct, records, options.tokens);
      const viaParley = summarize(samples.parley, records, options.tokens);
      log(
        `${api} × ${level}: ${viaParley.complete}/${viaParley.streams} Parley streams complete, ` +
          `${direct.complete}/${direct.streams} direct`,
      );
      return {
        api,
        model: BENCH_MODELS.find((model) => model.api === api)?.id ?? api,
        concurrency: level,
        direct,
        parley: viaParley,
        comparison: compare(direct, viaParley),
        parleyUpstreamFetchFailures: fetchFailures,
        parleyDatabase: {
          direct: mergeDatabaseStats(databaseStats.direct),
          parley: mergeDatabaseStats(databaseStats.parley),
        },
        processes,
      };
    };

    const results: LevelResult[] = [];
    for (const level of options.concurrency) {
      for (const api of options.apis) {
        const result = await measure(api, level);
        if (result) results.push(result);
      }
    }

    const seconds = (now() - startedAt) / 1000;
    const load = { before: loadBefore, after: loadavg()[0] ?? 0 };
    const header =
      `Parley streaming benchmark: ${options.tokens} tokens per answer, mock delay ${options.delayMs} ms/token, ` +
      `concurrency ${options.concurrency.join(" and ")}, ${options.rounds} rounds ` +
      `(Parley on ${options.database}) ` +
      `(level 1: ${options.sequential} streams in sequence), ${availableParallelism()} cores, ` +
      `Node ${process.versions.node}, ${seconds.toFixed(0)} s` +
      (stoppedEarly ? ` (stopped early at --max-seconds ${options.maxSeconds})` : "") +
      `\nMachine load (1-min average) ${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after` +
      (Math.max(load.before, load.after) > availableParallelism()
        ? ": other processes competed for the CPU, figures at high concurrency are pessimistic"
        : "");
    console.log(formatReport(results, header));

    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(
      options.out,
      formatJson({
        date: new Date().toISOString(),
        node: process.versions.node,
        cpus: cpus()[0]?.model ?? "unknown",
        cores: availableParallelism(),
        options,
        stoppedEarly,
        seconds,
        loadAverage: load,
        units: "milliseconds unless named otherwise; ratios are parley ÷ direct",
        results,
      }),
    );
    console.log(`\nJSON: ${options.out}`);
    for (const file of profileFiles) console.log(`CPU profile: ${file}`);
    if (profileFiles.length > 0) {
      console.log("  (open in Chrome DevTools, or: npx tsx bench/profile-summary.ts <file>)");
    }
    const failures = results.reduce((sum, r) => sum + r.direct.errors + r.parley.errors, 0);
    if (failures > 0) console.log(`${failures} streams failed (see Sanity).`);
  } finally {
    for (const child of children.reverse()) await child.stop().catch(() => {});
  }
}

function mergeDatabaseStats(all: readonly DatabaseStats[]): DatabaseStats {
  const merged: DatabaseStats = { operations: 0, totalMs: 0, byOperation: {} };
  for (const stats of all) {
    merged.operations += stats.operations;
    merged.totalMs += stats.totalMs;
    for (const [key, entry] of Object.entries(stats.byOperation)) {
      const into = merged.byOperation[key] ?? { count: 0, meanMs: 0 };
      const count = into.count + entry.count;
      into.meanMs = (into.meanMs * into.count + entry.meanMs * entry.count) / count;
      into.count = count;
      merged.byOperation[key] = into;
    }
  }
  return merged;
}

// `pnpm bench import …` runs the import benchmark (bench/import.ts) instead.
if (process.argv[2] === "import") {
  const { runImportBench } = await import("./import.ts");
  await runImportBench(process.argv.slice(3));
  process.exit(0);
}
// `pnpm bench search …` runs the search benchmark (bench/search.ts) instead.
if (process.argv[2] === "search") {
  const { runSearchBench } = await import("./search.ts");
  await runSearchBench(process.argv.slice(3));
  process.exit(0);
}

let options: BenchOptions | "help";
try {
  options = readOptions(process.argv.slice(2), process.env);
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage()}`);
  process.exit(2);
}
if (options === "help") {
  console.log(usage());
} else {
  await main(options);
  // The tRPC and SDK clients may keep idle sockets open; the run is over.
  process.exit(0);
}

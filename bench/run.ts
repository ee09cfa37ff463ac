// Streaming benchmark (issue 11): what Parley adds to a streamed answer, against the upstream
// read directly and against a bare proxy, measured in the same run, round by round, so load from
// elsewhere on the machine falls on all of them alike. Not a test: it measures and reports.
//
//   pnpm bench [--concurrency 1,100] [--tokens 200] [--delay 5] [--database pglite,postgres] …
//   pnpm bench idle | restart | search | conversation …   (each with --help)
//
// Processes, so that no event loop measures another's work as its own:
//   upstream-process.ts    an OpenAI-compatible upstream; every token carries its send time;
//   bare-proxy-process.ts  the baseline: Fastify + openai SDK, piping the stream as SSE;
//   parley-process.ts      a real Parley per database (and, with --instances, N of them behind
//                          nginx on one PostgreSQL schema and one Redis);
//   this process           the clients (targets.ts): plain fetch and one small SSE reader.

import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { type Nginx, startNginx } from "../server/test/helpers/nginx.ts";
import { cleanUpTestRedis, connectTestRedis } from "../server/test/helpers/redis.ts";
import type { ProxyHello } from "./bare-proxy-process.ts";
import { now } from "./clock.ts";
import { type BenchSchema, createSchema } from "./database.ts";
import { type ChildHandle, startChild } from "./ipc.ts";
import { formatJson } from "./json.ts";
import type { BenchApi } from "./models.ts";
import { type BenchOptions, readOptions, usage } from "./options.ts";
import type { DatabaseStats, ParleyHello } from "./parley-process.ts";
import { addStats, createProbe, type ProcessStats } from "./probe.ts";
import { formatReport, type LevelResult, type TargetResult } from "./report.ts";
import { summarize } from "./stats.ts";
import {
  chatApiReader,
  directReader,
  parleyReader,
  proxyReader,
  type StreamRequest,
  type StreamSample,
  type TargetKind,
} from "./targets.ts";
import type { UpstreamCounts, UpstreamHello } from "./upstream-process.ts";

interface Target {
  name: string;
  kind: TargetKind;
  read: (request: StreamRequest) => Promise<StreamSample>;
  /** The processes that serve it (stats, profiles); none for the upstream itself. */
  servers: ChildHandle<unknown>[];
}

const CONTENT = "Benchmark: tell me something.";

const child = <Hello>(file: string, env: Record<string, string>) =>
  startChild<Hello>(new URL(file, import.meta.url), env);

/** `host:port` of a URL, as nginx names a server. */
const hostPort = (url: string) => new URL(url).host;

async function main(options: BenchOptions) {
  const startedAt = now();
  const runId = Math.random().toString(36).slice(2, 8);
  const log = (message: string) =>
    console.error(`[bench ${((now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${message}`);
  const cleanups: (() => Promise<unknown>)[] = [];
  const stopLater = <T extends { stop(): Promise<void> }>(thing: T): T => {
    cleanups.push(() => thing.stop());
    return thing;
  };
  const databaseUrl = process.env.TEST_DATABASE_URL ?? "";
  const newSchema = async (): Promise<BenchSchema> => {
    const schema = await createSchema(databaseUrl);
    cleanups.push(() => schema.drop());
    return schema;
  };

  try {
    const upstream = stopLater(
      await child<UpstreamHello>("./upstream-process.ts", {
        BENCH_TOKENS: String(options.tokens),
        BENCH_DELAY_MS: String(options.delayMs),
      }),
    );
    const upstreamEnv = { BENCH_UPSTREAM_URL: upstream.hello.baseURL };
    const proxy = stopLater(await child<ProxyHello>("./bare-proxy-process.ts", upstreamEnv));
    const parleyEnv: Record<string, string> = {
      ...upstreamEnv,
      ...(options.countQueries ? { BENCH_COUNT_QUERIES: "1" } : {}),
    };
    const targets: Target[] = [
      { name: "direct", kind: "direct", read: directReader(upstream.hello.baseURL), servers: [] },
      { name: "proxy", kind: "proxy", read: proxyReader(proxy.hello.url), servers: [proxy] },
    ];
    for (const database of options.databases) {
      const env = { ...parleyEnv };
      if (database === "postgres") env.BENCH_PG_SCHEMA = (await newSchema()).name;
      const parley = stopLater(await child<ParleyHello>("./parley-process.ts", env));
      targets.push({
        name: `parley ${database}`,
        kind: "parley",
        read: parleyReader(parley.hello.url, options.subscribe),
        servers: [parley],
      });
    }
    // The raw route in a Parley of its own (in-memory PGlite: the route stores nothing). In the
    // process of a "parley" target, it always ran right after that target's batch (the order
    // rotates, the neighbours do not) and measured the final saves and titles of its 100 answers.
    if (options.databases.length > 0) {
      const own = stopLater(await child<ParleyHello>("./parley-process.ts", parleyEnv));
      targets.push({
        name: "parley /api/chat-openai",
        kind: "chat-api",
        read: chatApiReader(own.hello.url, own.hello.apiToken),
        servers: [own],
      });
    }
    if (options.instances > 0) {
      const viaProxy: Nginx = stopLater(await startNginx({ servers: [hostPort(proxy.hello.url)] }));
      targets.push({
        name: "proxy via nginx",
        kind: "proxy",
        read: proxyReader(viaProxy.url),
        servers: [proxy],
      });
      const schema = await newSchema();
      const redisPrefix = `bench:${runId}`;
      if (options.redis) {
        const redis = options.redis;
        cleanups.push(async () => cleanUpTestRedis(await connectTestRedis(redis), redisPrefix));
      }
      const instances = await Promise.all(
        Array.from({ length: options.instances }, () =>
          child<ParleyHello>("./parley-process.ts", {
            ...parleyEnv,
            BENCH_PG_SCHEMA: schema.name,
            ...(options.redis ? { REDIS_URL: options.redis, BENCH_REDIS_PREFIX: redisPrefix } : {}),
          }).then(stopLater),
        ),
      );
      const nginx = stopLater(
        await startNginx({ servers: instances.map((instance) => hostPort(instance.hello.url)) }),
      );
      targets.push({
        name: `parley ${options.instances}×postgres${options.redis ? "+redis" : ""} via nginx`,
        kind: "parley",
        read: parleyReader(nginx.url, options.subscribe),
        servers: instances,
      });
      if (options.instances > 1 && !options.redis) {
        log("warning: several instances without --redis cannot stream each other's answers");
      }
    }
    log(
      `upstream ${upstream.hello.baseURL}; targets: ${targets.map((target) => target.name).join(", ")}`,
    );

    const batch = (target: Target, api: BenchApi, level: number): Promise<StreamSample[]> => {
      const request: StreamRequest = { api, content: CONTENT, timeoutMs: options.streamTimeoutMs };
      if (level > 1) return Promise.all(Array.from({ length: level }, () => target.read(request)));
      return (async () => {
        const samples: StreamSample[] = [];
        for (let i = 0; i < options.sequential; i++) samples.push(await target.read(request));
        return samples;
      })();
    };
    const parleyCall = async <T>(target: Target, call: string): Promise<T[]> =>
      target.kind === "parley" || target.kind === "chat-api"
        ? Promise.all(target.servers.map((server) => server.call<T>(call)))
        : [];

    for (const api of options.apis) {
      for (const target of targets) {
        if (options.warmup === 0) break;
        const samples = await batch(target, api, Math.max(2, options.warmup));
        const failed = samples.filter((sample) => sample.error !== undefined);
        if (failed.length > 0) {
          log(
            `warm-up ${api} ${target.name}: ${failed.length} streams failed: ${failed[0]?.error}`,
          );
        }
        await parleyCall(target, "fetch-failures");
        await parleyCall(target, "db-stats");
      }
    }
    await upstream.call("counts");
    log(`warm-up done: ${options.warmup} concurrent streams per target and API`);

    const parleys = [
      ...new Set(targets.filter((t) => t.kind !== "proxy").flatMap((t) => t.servers)),
    ];
    const probe = createProbe();
    const profiles = join(dirname(options.out), "profiles");
    const profileFiles: string[] = [];
    let stoppedEarly = false;

    const measure = async (api: BenchApi, level: number): Promise<LevelResult | undefined> => {
      const load = loadavg()[0] ?? 0;
      const acc = targets.map(() => ({
        samples: [] as StreamSample[],
        client: undefined as ProcessStats | undefined,
        upstream: undefined as ProcessStats | undefined,
        server: undefined as ProcessStats | undefined,
        fetchFailures: {} as Record<string, number>,
        database: [] as DatabaseStats[],
        abandonedUpstreamStreams: 0,
      }));
      for (let round = 0; round < options.rounds; round++) {
        if (now() - startedAt > options.maxSeconds * 1000) {
          stoppedEarly = true;
          break;
        }
        // A rotating order, so no target always runs first (or right after another one).
        for (let k = 0; k < targets.length; k++) {
          const t = (round + k) % targets.length;
          const target = targets[t] as Target;
          const mine = acc[t] as (typeof acc)[number];
          const profiling = options.profile && target.kind !== "direct" && round === 0;
          // Every Parley quiet first: a batch's saves and titles run on after its last token.
          await Promise.all(parleys.map((parley) => parley.call("settle")));
          probe.start();
          await Promise.all(
            [upstream, ...target.servers].map((process) => process.call("stats-start")),
          );
          if (profiling) mkdirSync(profiles, { recursive: true });
          if (profiling) {
            await Promise.all(target.servers.map((server) => server.call("profile-start")));
          }
          mine.samples.push(...(await batch(target, api, level)));
          mine.client = addStats(mine.client, probe.read());
          mine.upstream = addStats(mine.upstream, await upstream.call<ProcessStats>("stats-read"));
          for (const server of target.servers) {
            mine.server = addStats(mine.server, await server.call<ProcessStats>("stats-read"));
          }
          if (profiling) {
            await Promise.all(
              target.servers.map((server, i) => {
                const slug = target.name.replace(/[^a-z0-9]+/gi, "-");
                const file = join(profiles, `${slug}-${api}-c${level}-${i + 1}.cpuprofile`);
                profileFiles.push(file);
                return server.call("profile-stop", file);
              }),
            );
          }
          mine.abandonedUpstreamStreams += (
            await upstream.call<UpstreamCounts>("counts")
          ).abandoned;
          for (const failures of await parleyCall<Record<string, number>>(
            target,
            "fetch-failures",
          )) {
            for (const [cause, count] of Object.entries(failures)) {
              mine.fetchFailures[cause] = (mine.fetchFailures[cause] ?? 0) + count;
            }
          }
          if (options.countQueries) {
            mine.database.push(...(await parleyCall<DatabaseStats>(target, "db-stats")));
          }
        }
      }
      if (acc[0]?.samples.length === 0) return undefined;
      const results: TargetResult[] = targets.map((target, t) => {
        const mine = acc[t] as (typeof acc)[number];
        return {
          name: target.name,
          kind: target.kind,
          summary: summarize(mine.samples, options.tokens),
          processes: {
            client: mine.client,
            upstream: mine.upstream,
            server: mine.server,
            instances: target.servers.length,
          },
          abandonedUpstreamStreams: mine.abandonedUpstreamStreams,
          upstreamFetchFailures: mine.fetchFailures,
          ...(options.countQueries ? { database: mergeDatabaseStats(mine.database) } : {}),
        };
      });
      const ok = results.map((result) => `${result.summary.complete}/${result.summary.streams}`);
      log(
        `${api} × ${level}: complete streams ${ok.join(", ")} (${targets.map((t) => t.name).join(", ")})`,
      );
      return { api, concurrency: level, loadAverage: load, targets: results };
    };

    const results: LevelResult[] = [];
    for (const level of options.concurrency) {
      for (const api of options.apis) {
        const result = await measure(api, level);
        if (result) results.push(result);
      }
    }

    const seconds = (now() - startedAt) / 1000;
    const load = loadavg()[0] ?? 0;
    const header =
      `Parley streaming benchmark: ${options.tokens} tokens per answer, one every ${options.delayMs} ms; ` +
      `${options.rounds} rounds per level and API (level 1: ${options.sequential} streams in sequence per round), ` +
      `${availableParallelism()} cores, Node ${process.versions.node}, ${seconds.toFixed(0)} s` +
      (stoppedEarly ? ` (stopped early at --max-seconds ${options.maxSeconds})` : "") +
      `\nParley streams: a new guest and a new conversation each (${
        {
          "first-send": "a send that starts the conversation, then subscribe",
          "after-send": "create, send, then subscribe",
          "with-send": "create, then send with subscribe",
        }[options.subscribe]
      })` +
      `\nMachine load (1-min average): ${results.map((r) => r.loadAverage.toFixed(1)).join(", ")} at the start of each level, ${load.toFixed(1)} at the end` +
      (Math.max(load, ...results.map((r) => r.loadAverage)) > availableParallelism()
        ? " (other processes competed for the CPU: figures at high concurrency are pessimistic)"
        : "");
    console.log(formatReport(results, header));

    mkdirSync(dirname(options.out), { recursive: true });
    const json = formatJson({
      date: new Date().toISOString(),
      node: process.versions.node,
      cpus: cpus()[0]?.model ?? "unknown",
      cores: availableParallelism(),
      options: { ...options, redis: options.redis ? "on" : "off" },
      stoppedEarly,
      seconds,
      units: "milliseconds unless named otherwise",
      results,
    });
    writeFileSync(options.out, json);
    const dated = join(
      dirname(options.out),
      `stream-${new Date().toISOString().replace(/[:.]/g, "-")}.json`,
    );
    writeFileSync(dated, json);
    console.log(`\nJSON: ${options.out} (and ${dated})`);
    for (const file of profileFiles) console.log(`CPU profile: ${file}`);
    if (profileFiles.length > 0) {
      console.log("  (open in Chrome DevTools, or: npx tsx bench/profile-summary.ts <file>)");
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
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

const [command, ...rest] = process.argv.slice(2);
// `pnpm bench import …` runs the import benchmark (bench/import.ts) instead.
if (command === "import") {
  const { runImportBench } = await import("./import.ts");
  await runImportBench(rest);
  process.exit(0);
}
if (command === "bus") {
  const { runBusBench } = await import("./bus.ts");
  await runBusBench(rest);
  process.exit(0);
}
if (command === "search") {
  const { runSearchBench } = await import("./search.ts");
  await runSearchBench(rest);
  process.exit(0);
}
if (command === "conversation") {
  const { runConversationBench } = await import("./conversation.ts");
  await runConversationBench(rest);
  process.exit(0);
}
if (command === "idle") {
  const { runIdleBench } = await import("./idle.ts");
  await runIdleBench(rest);
  process.exit(0);
}
if (command === "restart") {
  const { runRestartBench } = await import("./restart.ts");
  await runRestartBench(rest);
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
  // Idle keep-alive sockets of the clients would keep the process alive; the run is over.
  process.exit(0);
}

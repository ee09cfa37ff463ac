// What sharing generations through Redis costs (issue 12): the same streaming load through the
// in-memory bus and through the Redis bus, in one run, here in one process.
//
//   TEST_REDIS_URL=redis://127.0.0.1:6379 npx -y pnpm@10 bench bus [--generations 100]
//     [--tokens 200] [--delay 5] [--rounds 3]
//
// N generations each append a token every D ms (one timer per generation, as an upstream
// would deliver them) to the bus of "instance A"; one subscriber per generation reads them:
// on A itself (memory, and Redis), and on "instance B", another Redis bus in this process
// reading through Redis as a second instance would. Reported: the CPU time per token each
// setup costs (process CPU over the run, minus the memory bus's: what Redis adds), how much of
// the process's time went to it, and the delay from append to a subscriber on B.

import { parseArgs } from "node:util";
import type { GenerationBus } from "../server/src/chat/bus/index.ts";
import { createMemoryBus } from "../server/src/chat/bus/memory.ts";
import { createRedisBus } from "../server/src/chat/bus/redis.ts";
import { silentLogger } from "../server/src/log.ts";
import { connectRedis, redisConnector } from "../server/src/redis.ts";
import type { GenerationEvent } from "../shared/src/index.ts";
import { distribution } from "./stats.ts";

interface Setup {
  name: string;
  writer: GenerationBus;
  reader: GenerationBus;
  close(): Promise<void>;
}

interface Result {
  name: string;
  cpuMsPerToken: number;
  wallMs: number;
  cpuShare: number;
  lag: ReturnType<typeof distribution>;
}

async function redisSetups(url: string, prefix: string): Promise<Setup[]> {
  const connect = redisConnector(url, silentLogger);
  const bus = async () =>
    createRedisBus({
      redis: await connectRedis(url, connect),
      connect,
      prefix,
      log: silentLogger,
      abandoned: async () => ({
        type: "final",
        text: "",
        interrupted: true,
        truncated: false,
        usage: null,
      }),
    });
  const a = await bus();
  const b = await bus();
  return [
    { name: "Redis, subscriber on A", writer: a, reader: a, close: async () => {} },
    {
      name: "Redis, subscriber on B",
      writer: a,
      reader: b,
      close: async () => {
        await a.close();
        await b.close();
      },
    },
  ];
}

/** One run: every generation streams its tokens; returns CPU, wall time and delivery lags. */
async function run(
  setup: Setup,
  options: { generations: number; tokens: number; delayMs: number },
): Promise<Result> {
  const lags: number[] = [];
  const sentAt = new Map<string, number[]>();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.generations }, async (_, index) => {
      const generationId = `bench-${setup.name.replace(/\W/g, "")}-${index}-${Math.random()}`;
      const times: number[] = [];
      sentAt.set(generationId, times);
      await setup.writer.begin({
        generationId,
        ownerId: `owner-${index}`,
        conversationId: "c",
        messageId: `m-${generationId}`,
        model: "bench",
        startedAt: new Date(),
      });
      const reading = (async () => {
        const signal = AbortSignal.timeout(120_000);
        for await (const batch of setup.reader.follow(generationId, 0, signal)) {
          const at = performance.now();
          for (const { seq } of batch) {
            const sent = times[seq];
            if (sent !== undefined) lags.push(at - sent);
          }
        }
      })();
      for (let seq = 0; seq < options.tokens; seq++) {
        await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        times[seq] = performance.now();
        const token: GenerationEvent = { type: "token", text: ` word${seq}`, pad: "" };
        setup.writer.append(generationId, token);
      }
      times[options.tokens] = performance.now();
      setup.writer.append(generationId, {
        type: "final",
        text: "",
        interrupted: false,
        truncated: false,
        usage: null,
      });
      await setup.writer.end(generationId);
      await reading;
    }),
  );
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  return {
    name: setup.name,
    cpuMsPerToken: cpuMs / (options.generations * options.tokens),
    wallMs,
    cpuShare: cpuMs / wallMs,
    lag: distribution(lags),
  };
}

export async function runBusBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      generations: { type: "string", default: "100" },
      tokens: { type: "string", default: "200" },
      delay: { type: "string", default: "5" },
      rounds: { type: "string", default: "3" },
    },
  });
  const url = process.env.REDIS_URL ?? process.env.TEST_REDIS_URL;
  if (!url) throw new Error("bench bus needs TEST_REDIS_URL (or REDIS_URL)");
  const options = {
    generations: Number(values.generations),
    tokens: Number(values.tokens),
    delayMs: Number(values.delay),
  };
  const rounds = Number(values.rounds);
  const byName = new Map<string, Result[]>();
  for (let round = 0; round < rounds; round++) {
    const memory = createMemoryBus();
    const setups: Setup[] = [
      { name: "memory", writer: memory, reader: memory, close: () => memory.close() },
      ...(await redisSetups(url, `bench:bus:${process.pid}:${round}`)),
    ];
    for (const setup of setups) {
      const result = await run(setup, options);
      byName.set(setup.name, [...(byName.get(setup.name) ?? []), result]);
    }
    for (const setup of setups) await setup.close();
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const memoryCpu = median((byName.get("memory") ?? []).map((r) => r.cpuMsPerToken));
  console.log(
    `Generation bus: ${options.generations} generations × ${options.tokens} tokens, one every ${options.delayMs} ms, ${rounds} rounds (medians)`,
  );
  console.log(
    "setup                      CPU µs/token  added by Redis  process CPU share  lag to subscriber p50 / p99",
  );
  for (const [name, results] of byName) {
    const cpu = median(results.map((r) => r.cpuMsPerToken));
    const share = median(results.map((r) => r.cpuShare));
    const p50 = median(results.map((r) => r.lag?.p50 ?? 0));
    const p99 = median(results.map((r) => r.lag?.p99 ?? 0));
    console.log(
      `${name.padEnd(27)}${(cpu * 1000).toFixed(1).padStart(12)}  ${((cpu - memoryCpu) * 1000).toFixed(1).padStart(14)}  ${(share * 100).toFixed(1).padStart(16)} %  ${p50.toFixed(2).padStart(9)} / ${p99.toFixed(2)} ms`,
    );
  }
}

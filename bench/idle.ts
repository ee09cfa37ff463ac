// `pnpm bench idle` (issue 11, item 7): many idle `generations.active` subscriptions on one
// Parley, each its own guest, as open browser tabs are. The guests are made first; then every
// subscription opens at the same moment, and the time until each has its first state event is
// measured, with Parley's RSS before and after, and whether all stay open for a while.

import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { now } from "./clock.ts";
import { createSchema } from "./database.ts";
import { startChild } from "./ipc.ts";
import { formatJson } from "./json.ts";
import type { ParleyHello } from "./parley-process.ts";
import type { ProcessStats } from "./probe.ts";
import { readSse } from "./sse.ts";
import { distribution } from "./stats.ts";
import { subscribe } from "./targets.ts";

const USAGE = `Usage: pnpm bench idle [flags]
  --subscribers N     subscriptions, each its own guest (2000)
  --hold S            seconds they must all stay open (10)
  --database KIND     pglite, or postgres (TEST_DATABASE_URL) (pglite)
  --timeout S         give up on opening after this long (120)
  --out FILE          JSON results (bench/results/idle-latest.json)`;

const SETUP_PARALLELISM = 16;

interface Subscriber {
  cookie: string;
  /** When its first state event arrived. */
  first?: number;
  /** When its stream ended or failed, if it did. */
  closed?: number;
  error?: string;
  events: number;
}

export async function runIdleBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      subscribers: { type: "string", default: "2000" },
      hold: { type: "string", default: "10" },
      database: { type: "string", default: "pglite" },
      timeout: { type: "string", default: "120" },
      out: {
        type: "string",
        default: new URL("./results/idle-latest.json", import.meta.url).pathname,
      },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return console.log(USAGE);
  const count = Number(values.subscribers);
  const holdMs = Number(values.hold) * 1000;
  const timeoutMs = Number(values.timeout) * 1000;
  const database = values.database;
  if (!Number.isInteger(count) || count < 1 || !(holdMs >= 0) || !(timeoutMs > 0)) {
    throw new Error(`bad flags\n${USAGE}`);
  }
  if (database !== "pglite" && database !== "postgres") throw new Error(`--database: ${database}`);
  const url = process.env.TEST_DATABASE_URL;
  if (database === "postgres" && !url)
    throw new Error("--database postgres needs TEST_DATABASE_URL");
  const log = (message: string) => console.error(`[bench idle] ${message}`);

  const schema = database === "postgres" && url ? await createSchema(url) : undefined;
  // No upstream: Parley runs in demo mode; nothing is generated here.
  const parley = await startChild<ParleyHello>(
    new URL("./parley-process.ts", import.meta.url),
    schema ? { BENCH_PG_SCHEMA: schema.name } : {},
  );
  // One controller per subscription: undici warns past 1,500 requests on one signal.
  const controllers: AbortController[] = [];
  const closing = { now: false };
  const closeAll = () => {
    closing.now = true;
    for (const controller of controllers) controller.abort();
  };
  try {
    const subscribers: Subscriber[] = new Array(count);
    let next = 0;
    const setupStart = now();
    await Promise.all(
      Array.from({ length: SETUP_PARALLELISM }, async () => {
        while (next < count) {
          const index = next++;
          // A query that needs an owner: the server makes the guest and sets its cookie.
          const response = await fetch(`${parley.hello.url}/trpc/conversations.list`);
          const cookie = response.headers
            .getSetCookie()
            .map((line) => line.split(";", 1)[0] ?? "")
            .find((pair) => pair.startsWith("parley_session="));
          await response.arrayBuffer();
          if (!cookie) throw new Error(`no guest cookie (${response.status})`);
          subscribers[index] = { cookie, events: 0 };
        }
      }),
    );
    log(`${count} guests made in ${((now() - setupStart) / 1000).toFixed(1)} s`);

    await parley.call("stats-start");
    const before = await parley.call<ProcessStats>("stats-read");
    const load = loadavg()[0] ?? 0;
    const start = now();
    let firstEvents = 0;
    let allFirst: () => void = () => {};
    const allOpen = new Promise<void>((resolve) => {
      allFirst = resolve;
    });
    const streams = subscribers.map(async (subscriber) => {
      const controller = new AbortController();
      controllers.push(controller);
      try {
        const response = await subscribe(
          { url: parley.hello.url, cookie: subscriber.cookie },
          "generations.active",
          undefined,
          controller.signal,
        );
        await readSse(
          response,
          (event, at) => {
            if (event.event === "serialized-error") subscriber.error = event.data.slice(0, 200);
            if (event.event !== "message") return false;
            subscriber.events += 1;
            if (subscriber.first === undefined) {
              subscriber.first = at;
              firstEvents += 1;
              if (firstEvents === count) allFirst();
            }
            return false;
          },
          () => {},
        );
      } catch (error) {
        if (!closing.now) subscriber.error = String(error);
      } finally {
        if (!closing.now) subscriber.closed = now();
      }
    });
    const timedOut = await Promise.race([
      allOpen.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), timeoutMs).unref()),
    ]);
    const openedMs = now() - start;
    const opening = await parley.call<ProcessStats>("stats-read");
    log(
      timedOut
        ? `only ${firstEvents} of ${count} had their first event after ${timeoutMs / 1000} s`
        : `${count} subscriptions open in ${(openedMs / 1000).toFixed(2)} s; holding ${holdMs / 1000} s`,
    );
    await parley.call("stats-start");
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    const held = await parley.call<ProcessStats>("stats-read");
    const closedEarly = subscribers.filter((s) => s.closed !== undefined).length;
    const errors = subscribers.filter((s) => s.error !== undefined);
    closeAll();
    await Promise.all(streams);

    const firsts = distribution(
      subscribers.flatMap((s) => (s.first === undefined ? [] : [s.first - start])),
    );
    const result = {
      date: new Date().toISOString(),
      cores: availableParallelism(),
      loadAverage: load,
      database,
      subscribers: count,
      allFirstEventMs: timedOut ? null : openedMs,
      firstEventMs: firsts,
      withFirstEvent: firstEvents,
      closedBeforeEnd: closedEarly,
      errors: errors.length,
      firstError: errors[0]?.error ?? null,
      holdSeconds: holdMs / 1000,
      parleyRssMb: { before: before.rssMb, opened: opening.rssMb, afterHold: held.rssMb },
      parleyWhileOpening: { cpuMs: opening.cpuMs, wallMs: opening.wallMs },
      parleyWhileHolding: { cpuMs: held.cpuMs, wallMs: held.wallMs },
    };
    const f = (value: number | undefined) => (value === undefined ? "-" : value.toFixed(0));
    console.log(
      [
        `Idle subscribers: ${count} generations.active subscriptions, each its own guest, on Parley (${database}); load ${load.toFixed(1)} on ${availableParallelism()} cores`,
        `  all opened (first state event each): ${timedOut ? `NO (${firstEvents} of ${count} within ${timeoutMs / 1000} s)` : `${(openedMs / 1000).toFixed(2)} s`}`,
        `  per subscription, from the start: p50 ${f(firsts?.p50)} ms, p95 ${f(firsts?.p95)} ms, max ${f(firsts?.max)} ms`,
        `  Parley RSS: ${before.rssMb.toFixed(0)} MB before, ${opening.rssMb.toFixed(0)} MB opened, ${held.rssMb.toFixed(0)} MB after ${holdMs / 1000} s`,
        `  Parley CPU while opening: ${((100 * opening.cpuMs) / opening.wallMs).toFixed(0)}% of a core; while idle: ${((100 * held.cpuMs) / Math.max(1, held.wallMs)).toFixed(0)}%`,
        `  still open after ${holdMs / 1000} s: ${count - closedEarly} of ${count}; errors: ${errors.length}${errors[0] ? ` (${errors[0].error})` : ""}`,
      ].join("\n"),
    );
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, formatJson(result));
    console.log(`JSON: ${values.out}`);
  } finally {
    closeAll();
    await parley.stop();
    await schema?.drop();
  }
}

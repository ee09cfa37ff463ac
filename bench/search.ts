// Search benchmark (issue 6, acceptance 6): conversations.list({ search }) over 2,000
// conversations of one owner, one of them 1,000 messages long with a rare word in message 900.
// Not a test: it measures and reports. The baseline, measured in the same run on the same data,
// is the search Parley had before full text: an ILIKE '%word%' scan of titles and messages.
//
//   pnpm bench search [--database pglite|postgres] [--runs 30] [--conversations 2000]
//
// One process: a real Parley (buildApp on a fresh in-memory PGlite, or a schema in
// TEST_DATABASE_URL's PostgreSQL) listening on a free port, and its typed client. For each search
// it measures, interleaved so that load from elsewhere falls on all of them alike:
//   sql      searchConversations(), the function conversations.list calls (server time);
//   http     conversations.list over HTTP: Fastify's time for the request (server time) and the
//            client's round trip;
//   baseline the former list query (Prisma `contains`, mode insensitive, per word).

import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { buildApp } from "../server/src/app.ts";
import { searchConversations } from "../server/src/chat/search.ts";
import { parseConfig } from "../server/src/config.ts";
import type { Db } from "../server/src/db/client.ts";
import { createTestDatabase, type DatabaseKind } from "../server/test/helpers/database.ts";
import { seedSearchFixture } from "../server/test/helpers/search-fixture.ts";
import { CookieJar, createClient } from "../server/test/helpers/server.ts";
import { USAGE_LIMITS } from "../shared/src/index.ts";
import { now } from "./clock.ts";
import { formatJson } from "./json.ts";
import { databaseKind, wholeNumber } from "./options.ts";
import { type Distribution, distribution } from "./stats.ts";

const RARE_WORD = "quixotically";

/** What is searched: the acceptance's rare word, then the harder cases for an index. */
const SEARCHES = [
  { label: "rare word (message 900 of 1,000)", search: RARE_WORD },
  { label: "rare word, typed as a prefix", search: "quixot" },
  { label: "common word (~17% of messages)", search: "garden" },
  { label: "very common word (~90%)", search: "the" },
  { label: "prefix (program, progress, …)", search: "prog" },
  { label: "two words", search: "garden recipe" },
  { label: "no match", search: "zyzzyva" },
] as const;

interface Options {
  database: DatabaseKind;
  runs: number;
  warmup: number;
  conversations: number;
  /** Run ANALYZE after seeding (PostgreSQL's autovacuum would; PGlite never does by itself). */
  analyze: boolean;
  out: string;
}

function readOptions(argv: string[]): Options | "help" {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      database: { type: "string", default: process.env.BENCH_DATABASE ?? "pglite" },
      runs: { type: "string", default: "30" },
      warmup: { type: "string", default: "3" },
      conversations: { type: "string", default: "2000" },
      out: {
        type: "string",
        default: new URL("./results/search-latest.json", import.meta.url).pathname,
      },
      analyze: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const database = databaseKind(values.database);
  return {
    database,
    runs: wholeNumber("runs", values.runs, 1),
    warmup: wholeNumber("warmup", values.warmup, 0),
    conversations: wholeNumber("conversations", values.conversations, 2),
    analyze: values.analyze,
    out: values.out,
  };
}

const USAGE = `Usage: pnpm bench search [--database pglite|postgres] [--runs 30] [--warmup 3]
                         [--conversations 2000] [--analyze]
                         [--out bench/results/search-latest.json]`;

/** The list query Parley ran before full-text search, kept here as the baseline. */
function likeSearch(db: Db, ownerId: string, search: string) {
  const words = search
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 10)
    .map((word) => word.replace(/[\\%_]/g, "\\$&"));
  return db.conversation.findMany({
    where: {
      ownerId,
      AND: words.map((word) => ({
        OR: [
          { title: { contains: word, mode: "insensitive" as const } },
          { messages: { some: { content: { contains: word, mode: "insensitive" as const } } } },
        ],
      })),
    },
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    take: USAGE_LIMITS.listPageSize + 1,
    select: { id: true, title: true, model: true, createdAt: true, updatedAt: true },
  });
}

interface SearchResult {
  label: string;
  search: string;
  /** Conversations on the first page (of 30), and whether more follow. */
  firstPage: number;
  morePages: boolean;
  /** Conversations the baseline finds on its first page (substring match, so it may differ). */
  baselineFirstPage: number;
  sqlMs: Distribution | null;
  httpServerMs: Distribution | null;
  httpRoundTripMs: Distribution | null;
  baselineMs: Distribution | null;
  /** baseline median ÷ full-text median (server time in-process): how many times faster. */
  speedup: number | null;
}

async function main(options: Options) {
  const startedAt = now();
  const loadBefore = loadavg()[0] ?? 0;
  const log = (message: string) =>
    console.error(`[bench ${((now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`);

  const database = await createTestDatabase(options.database);
  const { db } = database;
  log(`${options.database}: migrated`);
  const config = parseConfig({
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "silent",
    RATE_LIMIT_MESSAGES_PER_MINUTE: "0",
    RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "0",
    GUEST_MESSAGE_LIMIT: "0",
  });
  const app = await buildApp({ config, db });
  // Fastify's own measure of each list request: from its arrival to the response's end.
  const serverTimes: number[] = [];
  app.addHook("onResponse", async (request, reply) => {
    if (request.url.startsWith("/trpc/conversations.list")) serverTimes.push(reply.elapsedTime);
  });
  await app.listen({ host: config.host, port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("Parley has no TCP address");
  const client = createClient(`http://127.0.0.1:${address.port}`, { jar: new CookieJar() });

  try {
    // The client's guest is the owner; its seed conversation is removed once the id is known.
    const { conversationId } = await client.conversations.create.mutate({});
    const { ownerId } = await db.conversation.findUniqueOrThrow({ where: { id: conversationId } });
    await client.conversations.delete.mutate({ id: conversationId });

    const seedStarted = now();
    const fixture = await seedSearchFixture(db, {
      ownerId,
      conversations: options.conversations,
      longMessages: 1_000,
      rareAt: 900,
      rareWord: RARE_WORD,
    });
    // Another owner with the same rare word: the search must pass over it.
    const other = await db.user.create({ data: { guest: true } });
    const others = await seedSearchFixture(db, {
      ownerId: other.id,
      conversations: 200,
      longMessages: 16,
      rareAt: 10,
      rareWord: RARE_WORD,
    });
    if (options.analyze) await db.$executeRaw`ANALYZE`;
    const seedSeconds = (now() - seedStarted) / 1000;
    log(
      `seeded ${fixture.conversations} conversations, ${fixture.messages} messages ` +
        `(+ ${others.conversations} and ${others.messages} of another owner) in ${seedSeconds.toFixed(1)} s`,
    );

    // Acceptance 6: found, ranked first, at the right message; nothing of the other owner.
    const check = await client.conversations.list.query({ search: RARE_WORD });
    const rareFound = {
      first: check.items[0]?.id === fixture.longConversationId,
      messageId: check.items[0]?.match?.messageId === fixture.rareMessageId,
      onlyOwn: check.items.length === 1,
    };
    if (!rareFound.first || !rareFound.messageId || !rareFound.onlyOwn) {
      throw new Error(`the rare word was not found as expected: ${JSON.stringify(check.items)}`);
    }

    const results: SearchResult[] = [];
    for (const { label, search } of SEARCHES) {
      const samples = { sql: [] as number[], http: [] as number[], like: [] as number[] };
      serverTimes.length = 0;
      let firstPage = 0;
      let morePages = false;
      let baselineFirstPage = 0;
      for (let run = 0; run < options.warmup + options.runs; run++) {
        const measured = run >= options.warmup;
        // The order rotates so that no path always runs first after a pause.
        const steps = [
          async () => {
            const started = now();
            const page = await searchConversations(db, ownerId, {
              search,
              limit: USAGE_LIMITS.listPageSize,
            });
            if (measured) samples.sql.push(now() - started);
            firstPage = page.items.length;
            morePages = page.nextCursor !== null;
          },
          async () => {
            const started = now();
            await client.conversations.list.query({ search });
            if (measured) samples.http.push(now() - started);
            else serverTimes.pop();
          },
          async () => {
            const started = now();
            const rows = await likeSearch(db, ownerId, search);
            if (measured) samples.like.push(now() - started);
            baselineFirstPage = Math.min(rows.length, USAGE_LIMITS.listPageSize);
          },
        ];
        for (let step = 0; step < steps.length; step++) {
          await steps[(run + step) % steps.length]?.();
        }
      }
      const sqlMs = distribution(samples.sql);
      const baselineMs = distribution(samples.like);
      results.push({
        label,
        search,
        firstPage,
        morePages,
        baselineFirstPage,
        sqlMs,
        httpServerMs: distribution(serverTimes),
        httpRoundTripMs: distribution(samples.http),
        baselineMs,
        speedup: sqlMs && baselineMs ? baselineMs.p50 / sqlMs.p50 : null,
      });
      log(
        `${JSON.stringify(search)}: ${sqlMs?.p50.toFixed(1)} ms (baseline ${baselineMs?.p50.toFixed(1)} ms)`,
      );
    }

    const seconds = (now() - startedAt) / 1000;
    const load = { before: loadBefore, after: loadavg()[0] ?? 0 };
    console.log(
      report(results, {
        header:
          `Parley search benchmark on ${options.database}: ${fixture.conversations} conversations, ` +
          `${fixture.messages} messages of one owner (one of 1,000 messages; "${RARE_WORD}" in ` +
          `message 900), ${options.runs} runs per search after ${options.warmup} warm-up, ` +
          `${options.analyze ? "statistics gathered (ANALYZE)" : "no ANALYZE"}, ` +
          `${availableParallelism()} cores, Node ${process.versions.node}, ${seconds.toFixed(0)} s\n` +
          `Machine load (1-min average) ${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after` +
          (Math.max(load.before, load.after) > availableParallelism()
            ? ": other processes competed for the CPU"
            : ""),
      }),
    );
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(
      options.out,
      formatJson({
        date: new Date().toISOString(),
        node: process.versions.node,
        cores: availableParallelism(),
        options,
        seconds,
        seedSeconds,
        loadAverage: load,
        corpus: { ...fixture, otherOwner: others },
        rareWordFound: rareFound,
        units: "milliseconds; speedup is baseline p50 ÷ full-text p50 (in-process server time)",
        results,
      }),
    );
    console.log(`\nJSON: ${options.out}`);
  } finally {
    await app.close();
    await database.close();
  }
}

function report(results: readonly SearchResult[], { header }: { header: string }): string {
  const ms = (value: number | undefined) => (value === undefined ? "—" : value.toFixed(1));
  const rows = [
    [
      "search",
      "found",
      "full text p50",
      "p95",
      "HTTP server p50",
      "p95",
      "round trip p50",
      "ILIKE baseline p50",
      "p95",
      "speedup",
    ],
    ...results.map((result) => [
      `${result.label}: "${result.search}"`,
      `${result.firstPage}${result.morePages ? "+" : ""}`,
      ms(result.sqlMs?.p50),
      ms(result.sqlMs?.p95),
      ms(result.httpServerMs?.p50),
      ms(result.httpServerMs?.p95),
      ms(result.httpRoundTripMs?.p50),
      ms(result.baselineMs?.p50),
      ms(result.baselineMs?.p95),
      result.speedup === null ? "—" : `${result.speedup.toFixed(1)}×`,
    ]),
  ];
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        (column === 0 ? cell.padEnd : cell.padStart).call(cell, widths?.[column] ?? 0),
      )
      .join("  ");
  return [
    header,
    "",
    "Milliseconds. full text: the search in-process; HTTP: conversations.list through Fastify",
    "(its request time) and the client's round trip; found: conversations on the first page of",
    "30 (+: more pages). speedup: ILIKE p50 ÷ full-text p50.",
    "",
    ...rows.map(line),
  ].join("\n");
}

/** Runs the search benchmark with the arguments after `search`. */
export async function runSearchBench(argv: string[]): Promise<void> {
  let options: Options | "help";
  try {
    options = readOptions(argv);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options === "help") console.log(USAGE);
  else await main(options);
}

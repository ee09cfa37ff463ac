// Long-conversation benchmark (issue 16, item 7): conversations.get of a 1,000-message
// conversation, whose bound is 40 ms p50 of server time. Not a test: it measures and reports.
// The baseline, measured in the same run on the same app, is conversations.get of a two-message
// conversation: what any request costs (cookie, tRPC, ownership check), so the ratio is what
// the thousand messages add.
//
//   pnpm bench conversation [--database pglite|postgres] [--runs 50] [--messages 1000]
//
// One process: a real Parley (buildApp on a fresh in-memory PGlite, or a schema in
// TEST_DATABASE_URL's PostgreSQL) listening on a free port. The conversation is seeded with
// Prisma like real use leaves it: questions and answers in turn, answers of a few hundred bytes
// to a few KB of Markdown with their model, parameters, usage and recorded prompt (the recent
// turns as sent upstream), some with reasoning, one fork. The request is the web app's (a
// batched GET with superjson input), sent with plain fetch so the client's decoding is not in
// the round trip. It also times, in process, the two steps every response goes through after
// the read: the output schema's parse and the wire encoding (superjson, then JSON).

import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { buildApp } from "../server/src/app.ts";
import { parseConfig } from "../server/src/config.ts";
import type { Db } from "../server/src/db/client.ts";
import type { Prisma } from "../server/src/db/generated/client.ts";
import { createTestDatabase, type DatabaseKind } from "../server/test/helpers/database.ts";
import { CookieJar, createClient } from "../server/test/helpers/server.ts";
import { Conversation, wireTransformer } from "../shared/src/index.ts";
import { now } from "./clock.ts";
import { formatJson } from "./json.ts";
import { databaseKind, wholeNumber } from "./options.ts";
import { type Distribution, distribution } from "./stats.ts";

interface Options {
  database: DatabaseKind;
  runs: number;
  warmup: number;
  messages: number;
  out: string;
}

function readOptions(argv: string[]): Options | "help" {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      database: { type: "string", default: process.env.BENCH_DATABASE ?? "pglite" },
      runs: { type: "string", default: "50" },
      warmup: { type: "string", default: "5" },
      messages: { type: "string", default: "1000" },
      out: {
        type: "string",
        default: new URL("./results/conversation-latest.json", import.meta.url).pathname,
      },
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
    messages: wholeNumber("messages", values.messages, 4),
    out: values.out,
  };
}

const USAGE = `Usage: pnpm bench conversation [--database pglite|postgres] [--runs 50] [--warmup 5]
                               [--messages 1000] [--out bench/results/conversation-latest.json]`;

const MODEL = "parley-demo";

/** Sentences answers are made of, varied enough that no two answers are alike. */
const SENTENCES = [
  "Herons wade in shallow water and strike at fish with their long bills.",
  "A cache in front of the database only helps when the same rows are read again soon.",
  "The recipe needs two cloves of garlic, a pinch of salt and a generous splash of olive oil.",
  "Keyset pagination keeps pages stable when newer rows arrive between two requests.",
  "Most trains from the coast to the mountains leave before nine in the morning.",
  "If the test cannot fail, it does not tell you anything about the code it covers.",
  "The glacier has retreated almost two kilometres since the first survey in 1880.",
  "Measure first: the slow part is rarely the one you would have guessed.",
  "A good commit message says why the change was made, not only what it changes.",
  "Bread dough that is slightly sticky usually bakes into a lighter loaf.",
];

/** Deterministic numbers, so every run seeds the same conversation. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

function sentences(next: () => number, count: number, tag: string): string {
  const picked: string[] = [];
  for (let i = 0; i < count; i++) {
    picked.push(SENTENCES[Math.floor(next() * SENTENCES.length)] ?? "");
  }
  return `${picked.join(" ")} (${tag})`;
}

/** An answer of Markdown: a paragraph, sometimes a list or code, 0.2 to 2 KB. */
function answerText(next: () => number, index: number): string {
  const parts = [sentences(next, 1 + Math.floor(next() * 4), `answer ${index}`)];
  const items = next() < 0.5 ? 0 : Math.floor(next() * 6);
  if (items > 0) {
    parts.push(
      Array.from({ length: items }, (_, i) => `- ${sentences(next, 1, `${index}.${i}`)}`).join(
        "\n",
      ),
    );
  }
  if (next() < 0.2) {
    parts.push(
      "```ts\nconst rows = await db.message.findMany({ where: { conversationId } });\n" +
        `console.log(rows.length); // ${index}\n\`\`\``,
    );
  }
  if (next() < 0.3) parts.push(sentences(next, 1 + Math.floor(next() * 5), `end ${index}`));
  return parts.join("\n\n");
}

interface Seeded {
  conversationId: string;
  messages: number;
}

/**
 * A conversation of `count` messages, a question then its answer, each the child of the one
 * before, and a second answer to the last question (a fork). Inserted in batches with Prisma.
 */
async function seedConversation(db: Db, ownerId: string, count: number): Promise<Seeded> {
  const next = random(count);
  const conversation = await db.conversation.create({
    data: { ownerId, model: MODEL, title: "A long conversation" },
  });
  const start = Date.now() - count * 60_000;
  const rows: Prisma.MessageCreateManyInput[] = [];
  let parentId: string | null = null;
  const id = (i: number) => `${conversation.id}-m${i}`;
  for (let i = 0; i < count; i++) {
    const question = i % 2 === 0 && i < count - 1;
    const createdAt = new Date(start + i * 60_000);
    const fork = i === count - 1 && count % 2 === 1;
    const parent = fork ? (rows.at(-1)?.parentId ?? null) : parentId;
    if (question) {
      rows.push({
        id: id(i),
        conversationId: conversation.id,
        parentId: parent,
        role: "user",
        content: sentences(next, 1 + Math.floor(next() * 2), `question ${i}`),
        createdAt,
        updatedAt: createdAt,
      });
    } else {
      const content = answerText(next, i);
      const recent = rows.slice(-8).map((row) => ({ role: row.role, content: row.content }));
      rows.push({
        id: id(i),
        conversationId: conversation.id,
        parentId: parent,
        role: "assistant",
        content,
        reasoning: next() < 0.1 ? sentences(next, 4, `thinking ${i}`) : "",
        model: MODEL,
        parameters: { temperature: 0.7, maxOutputTokens: 4096 },
        usage: {
          inputTokens: 2_000 + i * 40,
          outputTokens: Math.ceil(content.length / 4),
          totalTokens: 2_000 + i * 40 + Math.ceil(content.length / 4),
        },
        // What the view never shows: the request as sent upstream (conversations.get leaves
        // it out; messages.prompt reads it).
        prompt: JSON.stringify({ model: MODEL, stream: true, messages: recent }),
        timeToFirstTokenMs: 300 + Math.floor(next() * 900),
        createdAt,
        updatedAt: createdAt,
      });
    }
    if (!fork) parentId = id(i);
  }
  for (let i = 0; i < rows.length; i += 200) {
    await db.message.createMany({ data: rows.slice(i, i + 200) });
  }
  return { conversationId: conversation.id, messages: rows.length };
}

interface Target {
  label: string;
  conversationId: string;
  messages: number;
  /** The response body's size (JSON text), bytes. */
  bytes: number;
  serverMs: Distribution | null;
  roundTripMs: Distribution | null;
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
  // Fastify's own measure of each request: from its arrival to the response's end.
  const serverTimes = new Map<string, number[]>();
  app.addHook("onResponse", async (request, reply) => {
    serverTimes.get(request.url)?.push(reply.elapsedTime);
  });
  await app.listen({ host: config.host, port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("Parley has no TCP address");
  const base = `http://127.0.0.1:${address.port}`;
  const jar = new CookieJar();
  const client = createClient(base, { jar });

  try {
    // The client's guest is the owner; its first conversation becomes the two-message one.
    const { conversationId: small } = await client.conversations.create.mutate({});
    const { ownerId } = await db.conversation.findUniqueOrThrow({ where: { id: small } });
    await db.message.createMany({
      data: [
        { id: `${small}-q`, conversationId: small, role: "user", content: "Hello?" },
        {
          id: `${small}-a`,
          conversationId: small,
          parentId: `${small}-q`,
          role: "assistant",
          content: "Hello! How can I help?",
          model: MODEL,
        },
      ],
    });
    const seedStarted = now();
    const long = await seedConversation(db, ownerId, options.messages);
    const seedSeconds = (now() - seedStarted) / 1000;
    log(`seeded ${long.messages} messages in ${seedSeconds.toFixed(1)} s`);

    // The web app's request: httpBatchLink's GET, one call in the batch.
    const url = (id: string) =>
      `/trpc/conversations.get?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: wireTransformer.serialize({ id }) }))}`;
    const get = async (id: string) => {
      const response = await fetch(base + url(id), { headers: { cookie: jar.header() } });
      const body = await response.text();
      if (!response.ok) throw new Error(`conversations.get: ${response.status} ${body}`);
      return body;
    };

    const targets: Target[] = [];
    const samples = new Map<string, number[]>();
    for (const [label, conversationId, messages] of [
      ["2 messages (baseline)", small, 2],
      [`${long.messages} messages`, long.conversationId, long.messages],
    ] as const) {
      const body = await get(conversationId);
      const [first] = JSON.parse(body) as [{ result: { data: unknown } }];
      const value = wireTransformer.deserialize(first.result.data) as Conversation;
      if (value.messages.length !== messages) {
        throw new Error(`${label}: got ${value.messages.length} messages`);
      }
      targets.push({
        label,
        conversationId,
        messages,
        bytes: Buffer.byteLength(body),
        serverMs: null,
        roundTripMs: null,
      });
      serverTimes.set(url(conversationId), []);
      samples.set(conversationId, []);
    }

    // Interleaved, so that load from elsewhere falls on both alike.
    for (let run = 0; run < options.warmup + options.runs; run++) {
      const measured = run >= options.warmup;
      for (let step = 0; step < targets.length; step++) {
        const target = targets[(run + step) % targets.length];
        if (!target) continue;
        const started = now();
        await get(target.conversationId);
        const elapsed = now() - started;
        if (measured) samples.get(target.conversationId)?.push(elapsed);
        else serverTimes.get(url(target.conversationId))?.pop();
      }
    }
    for (const target of targets) {
      target.serverMs = distribution(serverTimes.get(url(target.conversationId)) ?? []);
      target.roundTripMs = distribution(samples.get(target.conversationId) ?? []);
    }

    // What the server does with the value after reading it, timed alone in this process.
    const [longTarget] = targets.slice(-1);
    if (!longTarget) throw new Error("no long conversation");
    const body = await get(longTarget.conversationId);
    const [first] = JSON.parse(body) as [{ result: { data: unknown } }];
    const value = wireTransformer.deserialize(first.result.data) as Conversation;
    const parse: number[] = [];
    const encode: number[] = [];
    for (let run = 0; run < options.warmup + options.runs; run++) {
      let started = now();
      Conversation.parse(value);
      if (run >= options.warmup) parse.push(now() - started);
      started = now();
      JSON.stringify(wireTransformer.serialize(value));
      if (run >= options.warmup) encode.push(now() - started);
    }
    const steps = { outputParseMs: distribution(parse), encodeMs: distribution(encode) };

    const seconds = (now() - startedAt) / 1000;
    const load = { before: loadBefore, after: loadavg()[0] ?? 0 };
    console.log(
      report(targets, steps, {
        header:
          `Parley conversations.get benchmark on ${options.database}: ${options.runs} runs after ` +
          `${options.warmup} warm-up, ${availableParallelism()} cores, Node ${process.versions.node}, ` +
          `${seconds.toFixed(0)} s\n` +
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
        units: "milliseconds, bytes; ratio is the long conversation's p50 ÷ the baseline's",
        targets,
        steps,
      }),
    );
    console.log(`\nJSON: ${options.out}`);
  } finally {
    await app.close();
    await database.close();
  }
}

function report(
  targets: readonly Target[],
  steps: { outputParseMs: Distribution | null; encodeMs: Distribution | null },
  { header }: { header: string },
): string {
  const ms = (value: number | undefined) => (value === undefined ? "—" : value.toFixed(1));
  const [baseline] = targets;
  const ratio = (target: Target) =>
    target.serverMs && baseline?.serverMs
      ? `${(target.serverMs.p50 / baseline.serverMs.p50).toFixed(1)}×`
      : "—";
  const rows = [
    ["conversation", "KiB", "server p50", "p99", "round trip p50", "p99", "server ÷ baseline"],
    ...targets.map((target) => [
      target.label,
      (target.bytes / 1024).toFixed(0),
      ms(target.serverMs?.p50),
      ms(target.serverMs?.p99),
      ms(target.roundTripMs?.p50),
      ms(target.roundTripMs?.p99),
      ratio(target),
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
  const long = targets.at(-1);
  return [
    header,
    "",
    "Milliseconds. server: Fastify's time for the request (arrival to the response's end);",
    "round trip: the client's, body read as text. Bound (issue 16): 40 ms p50 server time.",
    "",
    ...rows.map(line),
    "",
    `Of the ${long?.messages ?? 0}-message response, in process: output schema parse ` +
      `${ms(steps.outputParseMs?.p50)} ms p50, superjson + JSON encoding ${ms(steps.encodeMs?.p50)} ms p50.`,
  ].join("\n");
}

/** Runs the conversation benchmark with the arguments after `conversation`. */
export async function runConversationBench(argv: string[]): Promise<void> {
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

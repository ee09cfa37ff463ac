// Import benchmark (issue 15, item 4): 10,000 ChatGPT conversations uploaded as the data
// export's ZIP (or its conversations.json) to POST /imports, and how much the process's resident
// memory grows while Parley reads and writes them. Not a test: it measures and reports.
//
//   pnpm bench import [--database pglite|postgres] [--conversations 10000] [--format zip|json]
//
// One process: a real Parley (buildApp on a fresh PGlite in a temporary directory on disk, as
// the server keeps it, or a schema in TEST_DATABASE_URL's PostgreSQL) on a free port. The file
// is generated to disk first and sent from disk (a file-backed Blob), so the client holds
// little; RSS is sampled every 50 ms from just before the upload to the report. With PGlite the
// database engine runs in this process too (its worker thread), so its caches are part of the
// figure; with PostgreSQL they are not.

import { createReadStream, createWriteStream, mkdirSync, openAsBlob, writeFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { buildApp } from "../server/src/app.ts";
import { parseConfig } from "../server/src/config.ts";
import { createTestDatabase, type DatabaseKind } from "../server/test/helpers/database.ts";
import { CookieJar } from "../server/test/helpers/server.ts";
import { writeZip } from "../server/test/helpers/zip.ts";
import { ImportEvent, type ImportOutput } from "../shared/src/index.ts";
import { now } from "./clock.ts";
import { formatJson } from "./json.ts";
import { databaseKind, wholeNumber } from "./options.ts";

/** The acceptance's bound on the resident memory an import of 10,000 conversations may add. */
const RSS_BOUND_MB = 300;

interface Options {
  database: DatabaseKind;
  conversations: number;
  /** Question-and-answer turns per conversation (one answer of every third is regenerated). */
  turns: number;
  format: "zip" | "json";
  out: string;
}

const USAGE = `Usage: pnpm bench import [--database pglite|postgres] [--conversations 10000]
                         [--turns 4] [--format zip|json] [--out bench/results/import-latest.json]`;

function readOptions(argv: string[]): Options | "help" {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      database: { type: "string", default: process.env.BENCH_DATABASE ?? "pglite" },
      conversations: { type: "string", default: "10000" },
      turns: { type: "string", default: "4" },
      format: { type: "string", default: "zip" },
      out: {
        type: "string",
        default: new URL("./results/import-latest.json", import.meta.url).pathname,
      },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const database = databaseKind(values.database);
  if (values.format !== "zip" && values.format !== "json") {
    throw new Error(`--format: expected zip or json, got ${values.format}`);
  }
  return {
    database,
    conversations: wholeNumber("conversations", values.conversations, 1),
    turns: wholeNumber("turns", values.turns, 1),
    format: values.format,
    out: values.out,
  };
}

const WORDS =
  "the garden river lantern quiet morning harbor recipe thunder violet program journey market candle winter bridge".split(
    " ",
  );

/** Deterministic chat-like text of about `length` characters. */
function prose(seed: number, length: number): string {
  const words: string[] = [];
  let size = 0;
  for (let i = 0; size < length; i++) {
    const word = WORDS[(seed * 31 + i * 7) % WORDS.length] as string;
    words.push(word);
    size += word.length + 1;
  }
  return `${words.join(" ")}.`;
}

/** One conversation as ChatGPT exports it: a null root, hidden system scaffolding, turns. */
function conversation(index: number, turns: number) {
  const start = 1_700_000_000 + index * 600;
  const mapping: Record<string, unknown> = {};
  const add = (id: string, parent: string | null, message: unknown) => {
    mapping[id] = { id, message, parent, children: [] };
    if (parent) (mapping[parent] as { children: string[] }).children.push(id);
  };
  const message = (id: string, role: string, text: string, at: number, extra = {}) => ({
    id,
    author: { role, name: null, metadata: {} },
    create_time: start + at,
    update_time: null,
    content: { content_type: "text", parts: [text] },
    status: "finished_successfully",
    end_turn: role === "assistant" ? true : null,
    weight: 1,
    metadata: { model_slug: role === "assistant" ? "gpt-4o" : undefined, ...extra },
    recipient: "all",
    channel: null,
  });
  add("root", null, null);
  add(
    "system",
    "root",
    message("system", "system", "", 0, { is_visually_hidden_from_conversation: true }),
  );
  let parent = "system";
  for (let turn = 0; turn < turns; turn++) {
    const question = `q${turn}`;
    add(question, parent, message(question, "user", prose(index + turn, 120), turn * 60 + 1));
    const answer = `a${turn}`;
    add(
      answer,
      question,
      message(answer, "assistant", prose(index * 3 + turn, 600), turn * 60 + 5),
    );
    if (turn % 3 === 1) {
      add(
        `r${turn}`,
        question,
        message(`r${turn}`, "assistant", prose(index + 7 * turn, 500), turn * 60 + 30),
      );
    }
    parent = answer;
  }
  return {
    title: `Conversation ${index + 1}: ${prose(index, 30)}`,
    create_time: start,
    update_time: start + turns * 60,
    mapping,
    moderation_results: [],
    current_node: parent,
    conversation_id: `bench-${index}`,
    default_model_slug: "gpt-4o",
    id: `bench-${index}`,
  };
}

/** Writes conversations.json to `path` one conversation at a time (never all in memory). */
async function writeConversations(path: string, count: number, turns: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (text: string) =>
    out.write(text)
      ? Promise.resolve()
      : new Promise<void>((resolve) => out.once("drain", resolve));
  await write("[");
  for (let index = 0; index < count; index++) {
    await write(`${index ? "," : ""}${JSON.stringify(conversation(index, turns))}`);
  }
  await write("]");
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

const mb = (bytes: number) => bytes / 2 ** 20;

async function main(options: Options) {
  const startedAt = now();
  const loadBefore = loadavg()[0] ?? 0;
  const log = (message: string) =>
    console.error(`[bench ${((now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`);

  const directory = await mkdtemp(join(tmpdir(), "parley-bench-import-"));
  // On disk, as Parley keeps its PGlite by default: in memory the database itself, every row
  // imported, would be counted as the import's memory.
  const database = await createTestDatabase(options.database, {
    pgliteDir: join(directory, "pglite"),
  });
  const json = join(directory, "conversations.json");
  await writeConversations(json, options.conversations, options.turns);
  let upload = json;
  if (options.format === "zip") {
    upload = join(directory, "chatgpt-export.zip");
    await writeZip(upload, [
      { name: "conversations.json", data: createReadStream(json) },
      { name: "user.json", data: JSON.stringify({ id: "user-bench" }) },
    ]);
  }
  const sizes = { jsonBytes: (await stat(json)).size, uploadBytes: (await stat(upload)).size };
  log(
    `generated ${options.conversations} conversations: ${mb(sizes.jsonBytes).toFixed(0)} MB of JSON` +
      (options.format === "zip" ? `, ${mb(sizes.uploadBytes).toFixed(0)} MB zipped` : ""),
  );

  const config = parseConfig({
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "silent",
    FILES_DIR: join(directory, "files"),
    IMPORT_MAX_BYTES: String(Math.max(sizes.uploadBytes + 1024 * 1024, 200 * 2 ** 20)),
    RATE_LIMIT_IP_UPLOADS_PER_MINUTE: "0",
  });
  const app = await buildApp({ config, db: database.db });
  await app.listen({ host: config.host, port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("Parley has no TCP address");
  const url = `http://127.0.0.1:${address.port}`;

  try {
    const post = async (path: string, name: string, jar: CookieJar) => {
      const form = new FormData();
      form.append("file", await openAsBlob(path), name);
      const response = await fetch(`${url}/imports`, {
        method: "POST",
        body: form,
        headers: { cookie: jar.header(), accept: "application/x-ndjson" },
      });
      jar.store(response);
      return response;
    };
    // Warm up the code paths with a small file, as another guest (the measured one starts empty,
    // as it may keep no more than 10,000 conversations).
    const small = join(directory, "small.json");
    await writeConversations(small, 3, 2);
    await (await post(small, "small.json", new CookieJar())).text();

    (globalThis as { gc?: () => void }).gc?.();
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      peakRss = Math.max(peakRss, usage.rss);
      peakHeap = Math.max(peakHeap, usage.heapUsed);
    }, 50);

    const began = now();
    const response = await post(
      upload,
      options.format === "zip" ? "chatgpt-export.zip" : "conversations.json",
      new CookieJar(),
    );
    if (response.status !== 200)
      throw new Error(`import refused: ${response.status} ${await response.text()}`);
    let progressLines = 0;
    let report: ImportOutput | undefined;
    let firstProgressMs: number | null = null;
    const decoder = new TextDecoder();
    let pending = "";
    const reader = response.body?.getReader();
    for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
      pending += decoder.decode(read.value, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines.filter(Boolean)) {
        const event = ImportEvent.parse(JSON.parse(line));
        if (event.type === "progress") {
          progressLines += 1;
          firstProgressMs ??= now() - began;
        } else if (event.type === "report") report = event.report;
        else throw new Error(`import failed: ${event.message}`);
      }
    }
    const seconds = (now() - began) / 1000;
    clearInterval(sampler);
    if (!report) throw new Error("no report");

    const imported = report.imported.length;
    const [conversationsInDb, messagesInDb] = await Promise.all([
      database.db.conversation.count(),
      database.db.message.count(),
    ]);
    const growthMb = mb(peakRss - baseline.rss);
    const result = {
      imported,
      skipped: report.skipped.length,
      conversationsInDb,
      messagesInDb,
      seconds,
      conversationsPerSecond: imported / seconds,
      firstProgressMs,
      progressLines,
      rssBaselineMb: mb(baseline.rss),
      rssPeakMb: mb(peakRss),
      rssGrowthMb: growthMb,
      heapBaselineMb: mb(baseline.heapUsed),
      heapPeakMb: mb(peakHeap),
      withinBound: growthMb < RSS_BOUND_MB,
    };
    const load = { before: loadBefore, after: loadavg()[0] ?? 0 };
    console.log(
      [
        `Parley import benchmark on ${options.database}: ${options.conversations.toLocaleString("en")} ChatGPT conversations ` +
          `(${options.turns} turns, ${messagesInDb.toLocaleString("en")} messages) uploaded as ${options.format === "zip" ? "the data export's ZIP" : "conversations.json"} ` +
          `(${mb(sizes.uploadBytes).toFixed(0)} MB; ${mb(sizes.jsonBytes).toFixed(0)} MB of JSON), ` +
          `${availableParallelism()} cores, Node ${process.versions.node}`,
        `Machine load (1-min average) ${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after`,
        "",
        `imported        ${imported.toLocaleString("en")} (skipped ${report.skipped.length}) in ${seconds.toFixed(1)} s: ${result.conversationsPerSecond.toFixed(0)} conversations/s`,
        `progress        ${progressLines} lines, the first after ${firstProgressMs?.toFixed(0)} ms`,
        `RSS             ${result.rssBaselineMb.toFixed(0)} MB before, ${result.rssPeakMb.toFixed(0)} MB at the peak: +${growthMb.toFixed(0)} MB ` +
          `(bound: +${RSS_BOUND_MB} MB, ${result.withinBound ? "within" : "OVER"})`,
        `JS heap         ${result.heapBaselineMb.toFixed(0)} MB before, ${result.heapPeakMb.toFixed(0)} MB at the peak`,
      ].join("\n"),
    );
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(
      options.out,
      formatJson({
        date: new Date().toISOString(),
        node: process.versions.node,
        cores: availableParallelism(),
        options,
        loadAverage: load,
        sizes,
        units: "seconds; memory in MiB (2^20 bytes)",
        result,
      }),
    );
    console.log(`\nJSON: ${options.out}`);
    if (imported !== options.conversations) {
      throw new Error(`imported ${imported} of ${options.conversations} conversations`);
    }
  } finally {
    await app.close();
    await database.close();
    await rm(directory, { recursive: true, force: true });
  }
}

export async function runImportBench(argv: string[]) {
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

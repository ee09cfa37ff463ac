// The example scripts (scripts/*.ts) run as a person runs them: real processes against a real
// Parley, with a personal API token (issue 7, acceptance 1 and 2).

import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Conversation } from "@parley/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../src/config.ts";
import { freePort } from "./helpers/ports.ts";
import { CookieJar, createClient } from "./helpers/server.ts";
import { type ChatServer, type Client, eventually, startChatServer } from "./helpers/session.ts";

const SCRIPTS_DIR = fileURLToPath(new URL("../../scripts/", import.meta.url));
const TSC = join(ROOT_DIR, "node_modules/typescript/bin/tsc");
const password = "correct horse battery staple";

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts a script the quickest way: `node --import tsx` is one process (~0.35 s to a first
 * line here), where the tsx binary starts a second node (~0.6 s).
 */
function startScript(script: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", join(SCRIPTS_DIR, script), ...args], {
    cwd: ROOT_DIR,
    env: { ...process.env, ...env },
  });
  const output = { stdout: "", stderr: "", stdoutChunks: 0 };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output.stdout += chunk;
    output.stdoutChunks++;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output.stderr += chunk;
  });
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: output.stdout, stderr: output.stderr }));
  });
  return { child, output, finished };
}

/** Runs a process to its end (tsc). */
function runProcess(command: string, args: string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT_DIR });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

let server: ChatServer;
beforeAll(async () => {
  server = await startChatServer();
});
afterAll(() => server.close());

let people = 0;
/** A new account with an API token: its client (cookies) and the script's environment. */
async function newScriptUser() {
  const client = createClient(server.url, { jar: new CookieJar() });
  await client.auth.signUp.mutate({ email: `scripter${++people}@example.com`, password });
  const { secret } = await client.tokens.create.mutate({ name: "scripts test" });
  return { client, env: { PARLEY_URL: server.url, PARLEY_TOKEN: secret } };
}

/** The user's most recent conversation, once no answer in it is being written. */
async function latestConversation(client: Client): Promise<Conversation> {
  return eventually(async () => {
    const [latest] = (await client.conversations.list.query({ limit: 1 })).items;
    if (!latest) throw new Error("no conversation");
    const conversation = await client.conversations.get.query({ id: latest.id });
    expect(conversation.messages.every((m) => m.generationId === null)).toBe(true);
    return conversation;
  });
}

function answerOf(conversation: Conversation) {
  const answer = conversation.messages.find((m) => m.role === "assistant");
  if (!answer) throw new Error("no answer in the conversation");
  return answer;
}

describe("ask.ts", () => {
  let user: Awaited<ReturnType<typeof newScriptUser>>;
  beforeAll(async () => {
    user = await newScriptUser();
  });

  it("streams the answer to stdout as it is written, ending with a newline, and exits 0", async () => {
    const question = "[[mock tokens=20 delay=25]] Tell me about tides";
    const run = startScript("ask.ts", [question, "--model", "parley-demo-responses"], user.env);
    const { code, stdout, stderr } = await run.finished;
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });

    const conversation = await latestConversation(user.client);
    expect(conversation.model).toBe("parley-demo-responses");
    expect(conversation.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(conversation.messages[0]?.content).toBe(question);
    expect(answerOf(conversation)).toMatchObject({ interrupted: false, error: null });
    expect(answerOf(conversation).content.length).toBeGreaterThan(0);
    expect(stdout).toBe(`${answerOf(conversation).content}\n`);
    // 20 tokens 25 ms apart: written as they came, not all at the end.
    expect(run.output.stdoutChunks).toBeGreaterThan(3);
  });

  it("says why and exits 1 when the answer fails", async () => {
    const run = startScript("ask.ts", ["[[mock fail=before status=500]] Hello"], user.env);
    const { code, stdout, stderr } = await run.finished;
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: the answer failed \(upstream\): .*500/);
    expect(stdout).toBe("");
    expect(answerOf(await latestConversation(user.client)).error).toMatch(/500/);
  });

  it("stops the generation on the server on Ctrl+C, keeps the partial answer, and exits 130", async () => {
    const run = startScript("ask.ts", ["[[mock tokens=200 delay=50]] Count slowly"], user.env);
    await eventually(() => expect(run.output.stdout.length).toBeGreaterThan(0), 15_000);
    run.child.kill("SIGINT");
    const { code, stdout, stderr } = await run.finished;
    expect(code).toBe(130);
    expect(stderr).toMatch(/Stopped: the partial answer is kept, marked interrupted/);

    const answer = answerOf(await latestConversation(user.client));
    expect(answer).toMatchObject({ interrupted: true, error: null, generationId: null });
    // latestConversation waits at most 5 s for the answer to settle; unstopped, it takes 10 s.
    // stdout holds exactly the partial answer the server kept.
    expect(stdout).toBe(`${answer.content}\n`);
    expect(answer.content.length).toBeGreaterThan(0);
  });

  it("takes the SIGTERM that npx sends right after Ctrl+C as the same request to stop", async () => {
    const run = startScript("ask.ts", ["[[mock tokens=200 delay=50]] Count again"], user.env);
    await eventually(() => expect(run.output.stdout.length).toBeGreaterThan(0), 15_000);
    run.child.kill("SIGINT");
    run.child.kill("SIGTERM");
    const { code, stdout } = await run.finished;
    // Sent together, either may be handled first: the exit code is that one's.
    expect([130, 143]).toContain(code);
    const answer = answerOf(await latestConversation(user.client));
    expect(answer).toMatchObject({ interrupted: true, generationId: null });
    expect(stdout).toBe(`${answer.content}\n`);
  });

  it("refuses to run without a token, and names a refused token and an unreachable server", async () => {
    const missing = await startScript("ask.ts", ["Hello"], { PARLEY_TOKEN: "" }).finished;
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: PARLEY_TOKEN is not set/);

    const revoked = await startScript("ask.ts", ["Hello"], {
      ...user.env,
      PARLEY_TOKEN: "parley_not-a-real-token",
    }).finished;
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/refused the token in PARLEY_TOKEN \(UNAUTHORIZED\)/);

    const closedPort = await freePort();
    const unreachable = await startScript("ask.ts", ["Hello"], {
      ...user.env,
      PARLEY_URL: `http://127.0.0.1:${closedPort}`,
    }).finished;
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(
      `could not reach Parley at http://127.0.0.1:${closedPort}`,
    );

    const noQuestion = await startScript("ask.ts", [], user.env).finished;
    expect(noQuestion.code).toBe(2);
    expect(noQuestion.stderr).toMatch(/usage: ask\.ts "question"/);
  });
});

describe("list.ts", () => {
  it("prints recent conversations as an aligned table, newest first, with --limit and --search", async () => {
    const { client, env } = await newScriptUser();
    const titles = ["Tide tables for Brest", "Rust lifetimes", "Sourdough starter schedule"];
    for (const title of titles) {
      const { conversationId } = await client.conversations.create.mutate({});
      await client.conversations.update.mutate({ id: conversationId, title });
    }
    const newestFirst = (await client.conversations.list.query({})).items;

    const all = await startScript("list.ts", [], env).finished;
    expect({ code: all.code, stderr: all.stderr }).toEqual({ code: 0, stderr: "" });
    const [header = "", ...rows] = all.stdout.trimEnd().split("\n");
    expect(header.split(/\s{2,}/)).toEqual(["UPDATED", "TITLE", "MODEL", "ID"]);
    expect(rows).toHaveLength(3);
    rows.forEach((row, i) => {
      const conversation = newestFirst[i];
      expect(row).toContain(conversation?.title);
      expect(row).toContain(conversation?.model);
      // Every column starts where its header does.
      for (const column of ["TITLE", "MODEL", "ID"] as const) {
        const value = {
          TITLE: conversation?.title,
          MODEL: conversation?.model,
          ID: conversation?.id,
        }[column];
        expect(row.indexOf(value ?? "?")).toBe(header.indexOf(column));
      }
      expect(row).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d /);
    });

    const limited = await startScript("list.ts", ["--limit", "2"], env).finished;
    expect(
      limited.stdout
        .trimEnd()
        .split("\n")
        .slice(1)
        .map((row) => row.split(/\s{2,}/)[1]),
    ).toEqual(newestFirst.slice(0, 2).map((c) => c.title));

    const searched = await startScript("list.ts", ["--search", "sourdough"], env).finished;
    const found = searched.stdout.trimEnd().split("\n").slice(1);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain("Sourdough starter schedule");

    const none = await startScript("list.ts", ["--search", "zeppelin"], env).finished;
    expect(none).toEqual({ code: 0, stdout: "", stderr: "No conversation matches.\n" });
  });
});

describe("export-all.ts", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "parley-export-all-"));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it("writes every conversation as <title>-<id>.json and .md", async () => {
    const { client, env } = await newScriptUser();
    const ids: string[] = [];
    for (const title of ["Trip to Lisbon / day 1", "Café menu?"]) {
      const { conversationId } = await client.conversations.create.mutate({});
      await client.conversations.update.mutate({ id: conversationId, title });
      ids.push(conversationId);
    }
    const [lisbon = "", cafe = ""] = ids;
    const sent = await client.messages.send.mutate({
      conversationId: lisbon,
      content: "Where to eat?",
    });
    await eventually(async () => {
      const conversation = await client.conversations.get.query({ id: lisbon });
      expect(
        conversation.messages.find((m) => m.id === sent.assistantMessageId)?.generationId,
      ).toBeNull();
    });

    const target = join(folder, "nested", "backup");
    const run = await startScript("export-all.ts", [target], env).finished;
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`Exported 2 conversation(s) to ${target}.\n`);
    const expected = [
      `trip-to-lisbon-day-1-${lisbon}.json`,
      `trip-to-lisbon-day-1-${lisbon}.md`,
      `café-menu-${cafe}.json`,
      `café-menu-${cafe}.md`,
    ];
    expect((await readdir(target)).sort()).toEqual([...expected].sort());
    expect(run.stdout.trimEnd().split("\n").sort()).toEqual(
      expected.map((f) => join(target, f)).sort(),
    );

    // Each file is what conversations.export gives for that conversation.
    for (const [id, base] of [
      [lisbon, `trip-to-lisbon-day-1-${lisbon}`],
      [cafe, `café-menu-${cafe}`],
    ] as const) {
      for (const [format, extension] of [
        ["json", "json"],
        ["markdown", "md"],
      ] as const) {
        const exported = await client.conversations.export.query({ id, format });
        const written = await readFile(join(target, `${base}.${extension}`), "utf8");
        expect(stripExportTime(written)).toBe(stripExportTime(exported.content));
      }
    }
    const document = JSON.parse(await readFile(join(target, `${expected[0]}`), "utf8"));
    expect(document).toMatchObject({ format: "parley.export", version: 1 });
    expect(await readFile(join(target, `${expected[1]}`), "utf8")).toContain("Where to eat?");
  });

  it("says how to call it without a folder", async () => {
    const { env } = await newScriptUser();
    const run = await startScript("export-all.ts", [], env).finished;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/usage: export-all\.ts <folder>/);
  });
});

/** Two exports of the same conversation differ only in when they were made. */
function stripExportTime(content: string) {
  return content.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>");
}

describe("type-checking scripts", () => {
  // A script of someone's own, next to the real ones; a dot folder, so no tsconfig's `include`
  // (and so no concurrent typecheck) picks it up.
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(SCRIPTS_DIR, ".typecheck-"));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it("passes the example scripts and fails a wrong input shape, naming the property", async () => {
    const lines = [
      'import { createParleyClient } from "@parley/server/client";',
      'const client = createParleyClient({ url: "http://localhost:3000", token: "parley_x" });',
      "await client.conversations.create.mutate({ model: 42 });",
      'await client.messages.send.mutate({ content: "which conversation?" });',
      'await client.conversations.create.mutate({ modle: "parley-demo" });',
    ];
    await writeFile(join(folder, "wrong.ts"), `${lines.join("\n")}\n`);
    // One program for both (tsc over the server's types takes seconds of CPU): the example
    // scripts with scripts/tsconfig.json's options, plus the wrong one.
    await writeFile(
      join(folder, "tsconfig.json"),
      JSON.stringify({ extends: "../tsconfig.json", include: ["../*.ts", "wrong.ts"] }),
    );
    const result = await runProcess(process.execPath, [
      TSC,
      "-p",
      folder,
      "--noEmit",
      "--pretty",
      "false",
      "--listFiles",
    ]);
    expect(result.code).not.toBe(0);
    // --listFiles: the program did include the example scripts.
    for (const script of ["ask.ts", "export-all.ts", "list.ts", "lib.ts"]) {
      expect(result.stdout.split("\n")).toContain(join(SCRIPTS_DIR, script));
    }
    const at = (line: number, text: string) =>
      `wrong.ts(${line},${(lines[line - 1] ?? "").indexOf(text) + 1})`;
    const errors = result.stdout.split("\n").filter((line) => /error TS\d+/.test(line));
    // Every error of the program, from the file name on: only wrong.ts's, so the examples pass.
    expect(errors.map((line) => line.slice(Math.max(0, line.indexOf("wrong.ts("))))).toEqual([
      `${at(3, "model")}: error TS2322: Type 'number' is not assignable to type 'string'.`,
      expect.stringMatching(
        new RegExp(
          `^${literally(at(4, "{ content"))}: error TS2345: Argument of type '\\{ content: string; \\}'`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^${literally(at(5, "modle"))}: error TS2561: .*'modle' does not exist .*Did you mean to write 'model'\\?$`,
        ),
      ),
    ]);
    expect(result.stdout).toContain(
      "Property 'conversationId' is missing in type '{ content: string; }'",
    );
  }, 120_000);
});

function literally(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

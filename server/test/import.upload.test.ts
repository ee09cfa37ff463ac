// POST /imports (issue 15, item 4): a file uploaded as multipart, streamed to disk, imported with
// progress; over IMPORT_MAX_BYTES it is refused, and bad input (not multipart, a broken body,
// not JSON, an unknown export, a damaged ZIP, a ZIP bomb) gets a clear 4xx and writes nothing.

import { ImportEvent, ImportOutput } from "@parley/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHATGPT_SAMPLE } from "./helpers/chatgpt-sample.ts";
import { testDatabaseKinds } from "./helpers/database.ts";
import { CookieJar } from "./helpers/server.ts";
import { type ChatServer, startChatServer } from "./helpers/session.ts";
import { zipBuffer } from "./helpers/zip.ts";

const LIMIT = 64 * 1024;

describe.each(testDatabaseKinds())("POST /imports on %s", (database) => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({
      database,
      env: { IMPORT_MAX_BYTES: String(LIMIT), RATE_LIMIT_IP_UPLOADS_PER_MINUTE: "0" },
    });
  });
  afterAll(() => server?.close());

  function post(jar: CookieJar, body: RequestInit["body"], headers: Record<string, string> = {}) {
    return fetch(`${server.url}/imports`, {
      method: "POST",
      body,
      headers: { cookie: jar.header(), ...headers },
    });
  }
  function form(name: string, bytes: Uint8Array | string, field = "file") {
    const data = new FormData();
    data.append(field, new Blob([bytes]), name);
    return data;
  }
  async function refusal(response: Response) {
    const body = (await response.json()) as { message: string };
    return `${response.status} ${body.message}`;
  }
  const counts = () =>
    Promise.all([server.database.db.conversation.count(), server.database.db.message.count()]);

  it("answers with the report, and imports what it says", async () => {
    const jar = new CookieJar();
    const response = await post(jar, form("conversations.json", JSON.stringify(CHATGPT_SAMPLE)));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const report = ImportOutput.parse(await response.json());
    expect(report.imported.map((item) => item.title)).toEqual([
      "Lisbon weekend",
      "Reverse a list in Python",
    ]);
    // A visitor became a guest, who owns them.
    jar.store(response);
    expect(jar.cookies.size).toBe(1);
  });

  it("streams progress as it imports, then the report, when asked for NDJSON", async () => {
    const jar = new CookieJar();
    const response = await post(jar, form("conversations.json", JSON.stringify(CHATGPT_SAMPLE)), {
      accept: "application/x-ndjson",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    const events = (await response.text())
      .trim()
      .split("\n")
      .map((line) => ImportEvent.parse(JSON.parse(line)));
    const progress = events.filter((event) => event.type === "progress");
    expect(progress[0]).toEqual({ type: "progress", done: 0, total: 3 });
    expect(progress.at(-1)).toEqual({ type: "progress", done: 3, total: 3 });
    const done = progress.map((event) => event.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    const last = events.at(-1);
    expect(last?.type).toBe("report");
    if (last?.type === "report") {
      expect(last.report.skipped.map((item) => item.title)).toEqual(["A photo"]);
    }
  });

  it(`refuses a file over IMPORT_MAX_BYTES with 413, and writes nothing`, async () => {
    const before = await counts();
    const big = JSON.stringify([{ title: "x".repeat(LIMIT), mapping: {} }]);
    const response = await post(new CookieJar(), form("conversations.json", big));
    expect(await refusal(response)).toBe("413 The file is larger than the 64 KB import limit.");
    expect(await counts()).toEqual(before);
  });

  it("refuses bad input with a clear 4xx, and writes nothing", async () => {
    const before = await counts();
    const jar = new CookieJar();
    const supported =
      "Import a Parley export, ChatGPT's conversations.json or its ZIP, or an export of Open WebUI, LibreChat or chatbot-ui.";

    expect(await refusal(await post(jar, "{}", { "content-type": "application/json" }))).toBe(
      "400 Send the file as multipart/form-data, in a field named file.",
    );
    expect(await refusal(await post(jar, form("a.json", "[]", "other")))).toBe(
      "400 No file: send it in a multipart field named file.",
    );
    // A body that says multipart and is not.
    const broken = await post(jar, '--xyz\r\nContent-Disposition: form-data; name="file"; file', {
      "content-type": "multipart/form-data; boundary=xyz",
    });
    expect(broken.status).toBe(400);
    expect((await broken.json()) as { message: string }).toMatchObject({
      message: expect.stringMatching(/multipart\/form-data/),
    });
    expect(await refusal(await post(jar, form("notes.txt", "Dear diary,")))).toBe(
      `400 "notes.txt" is not JSON or a ZIP (it breaks off or has a mistake near byte 0). ${supported}`,
    );
    expect(await refusal(await post(jar, form("data.json", '{"hello": "world"}')))).toBe(
      `400 "data.json" is not an export Parley knows, so there is nothing it can import from it. ${supported}`,
    );
    expect(await refusal(await post(jar, form("cut.zip", "PK\x03\x04 not really a zip")))).toBe(
      '400 "cut.zip" is not a ZIP file that can be read (it may be damaged or cut short).',
    );
    const noConversations = await zipBuffer([{ name: "user.json", data: '{"id":"u"}' }]);
    expect(await refusal(await post(jar, form("empty.zip", noConversations)))).toBe(
      `400 "empty.zip" holds no conversations Parley can read. ${supported}`,
    );
    const damaged = await zipBuffer([{ name: "conversations.json", data: '[{"title": "a",' }]);
    expect(await refusal(await post(jar, form("damaged.zip", damaged)))).toBe(
      '400 "damaged.zip" holds "conversations.json", which is not JSON (it breaks off or has a mistake near byte 15).',
    );
    expect(await counts()).toEqual(before);
  });

  it("refuses a ZIP bomb before unpacking it", async () => {
    const before = await counts();
    // 5 MB of spaces packs into a few KB: far more than JSON unpacks to from a 64 KB upload.
    const bomb = await zipBuffer([
      { name: "conversations.json", data: `[${" ".repeat(5 * 1024 * 1024)}]` },
    ]);
    expect(bomb.length).toBeLessThan(LIMIT);
    expect(await refusal(await post(new CookieJar(), form("bomb.zip", bomb)))).toBe(
      '413 "bomb.zip" holds "conversations.json", which unpacks to 5 MB; Parley reads JSON files of up to 640 KB.',
    );
    expect(await counts()).toEqual(before);
  });
});

describe("POST /imports and the per-IP upload limit", () => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({ env: { RATE_LIMIT_IP_UPLOADS_PER_MINUTE: "2" } });
  });
  afterAll(() => server?.close());

  it("shares the per-IP allowance of uploads, and says when to try again", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const data = new FormData();
      data.append("file", new Blob([JSON.stringify(CHATGPT_SAMPLE)]), "conversations.json");
      const response = await fetch(`${server.url}/imports`, { method: "POST", body: data });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});

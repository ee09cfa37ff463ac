// Storage hygiene (issue 15, item 8): a quota on each owner's uploads, uploads never used
// removed after a grace period by the periodic sweep (bytes included), and a cap on share links.

import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { type FileRef, USAGE_LIMITS } from "@parley/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseKinds } from "./helpers/database.ts";
import { errorOf } from "./helpers/errors.ts";
import { CookieJar, createClient } from "./helpers/server.ts";
import { type ChatServer, eventually, sendAndWait, startChatServer } from "./helpers/session.ts";

const QUOTA = 1_000;
const SHARES = 2;
const HOUR_MS = 3_600_000;

const sha256Of = (text: string) => createHash("sha256").update(text).digest("hex");

describe.each(testDatabaseKinds())("storage hygiene on %s", (database) => {
  let server: ChatServer;

  beforeAll(async () => {
    server = await startChatServer({
      database,
      env: { UPLOAD_QUOTA_BYTES: String(QUOTA), UPLOAD_GRACE_HOURS: "1" },
      chat: { limits: { ...USAGE_LIMITS, sharesPerOwner: SHARES } },
      sweepIntervalMs: 100,
    });
  });
  afterAll(() => server?.close());

  function newGuest() {
    const jar = new CookieJar();
    return { jar, client: createClient(server.url, { jar }) };
  }

  async function upload(jar: CookieJar, name: string, text: string) {
    const form = new FormData();
    form.append("file", new Blob([text]), name);
    const headers = new Headers();
    if (jar.cookies.size) headers.set("cookie", jar.header());
    const response = await fetch(`${server.url}/files`, { method: "POST", body: form, headers });
    jar.store(response);
    return {
      status: response.status,
      body: (await response.json()) as FileRef & { message: string },
    };
  }

  /** The hashes whose bytes are in the store. */
  async function storedHashes(): Promise<string[]> {
    const entries = await readdir(server.config.filesDir, { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  }

  /** Makes an upload (and its file) look `hours` old, as if uploaded then. */
  async function backdate(sha256: string, hours: number) {
    const then = new Date(Date.now() - hours * HOUR_MS);
    const db = server.database.db;
    await db.fileUpload.updateMany({ where: { sha256 }, data: { createdAt: then } });
    await db.file.updateMany({ where: { sha256 }, data: { createdAt: then } });
  }

  it(`keeps each owner's uploads within ${QUOTA} bytes, counting the same file once`, async () => {
    const { jar } = newGuest();
    const first = "a".repeat(600);
    expect((await upload(jar, "first.txt", first)).status).toBe(200);
    // The same bytes again (another name): already counted.
    expect((await upload(jar, "first-again.txt", first)).status).toBe(200);

    const refused = await upload(jar, "second.txt", "b".repeat(500));
    expect(refused).toEqual({
      status: 413,
      body: {
        statusCode: 413,
        error: "Payload Too Large",
        message:
          '"second.txt" does not fit in your 1000 bytes of uploads (600 bytes used). Delete conversations with files you no longer need: their files are freed soon after.',
      },
    });
    expect(await storedHashes()).not.toContain(sha256Of("b".repeat(500)));

    // Someone else has a quota of their own.
    expect((await upload(newGuest().jar, "second.txt", "b".repeat(500))).status).toBe(200);
  });

  it("removes uploads never sent once the grace period is over, and the bytes nothing else uses", async () => {
    const { jar, client } = newGuest();
    const unsent = "never sent, and nobody else has it";
    const sent = "attached to a message";
    const shared = "attached to a shared message, in a conversation deleted since";
    const unsentRef = (await upload(jar, "unsent.txt", unsent)).body;
    const sentRef = (await upload(jar, "sent.txt", sent)).body;
    const sharedRef = (await upload(jar, "shared.txt", shared)).body;
    const kept = await client.conversations.create.mutate({});
    await sendAndWait(client, {
      conversationId: kept.conversationId,
      content: "keep this",
      files: [sentRef.sha256],
    });
    const deleted = await client.conversations.create.mutate({});
    await sendAndWait(client, {
      conversationId: deleted.conversationId,
      content: "share this",
      files: [sharedRef.sha256],
    });
    const { shareId } = await client.conversations.share.mutate({ id: deleted.conversationId });
    await client.conversations.delete.mutate({ id: deleted.conversationId });

    // Within the grace period nothing goes, used or not.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const db = server.database.db;
    expect(await db.fileUpload.count({ where: { sha256: unsentRef.sha256 } })).toBe(1);

    for (const ref of [unsentRef, sentRef, sharedRef]) await backdate(ref.sha256, 2);
    await eventually(async () => {
      expect(await db.fileUpload.count({ where: { sha256: unsentRef.sha256 } })).toBe(0);
      expect(await db.fileUpload.count({ where: { sha256: sharedRef.sha256 } })).toBe(0);
    });
    await eventually(async () => {
      expect(await db.file.count({ where: { sha256: unsentRef.sha256 } })).toBe(0);
      expect(await storedHashes()).not.toContain(unsentRef.sha256);
    });
    // Used by a message: the upload stays, and with it the file.
    expect(await db.fileUpload.count({ where: { sha256: sentRef.sha256 } })).toBe(1);
    expect(await storedHashes()).toContain(sentRef.sha256);
    // Used by a share only: the share's viewers still download it.
    const download = await fetch(`${server.url}/files/${sharedRef.sha256}?share=${shareId}`);
    expect(await download.text()).toBe(shared);
    // The quota counts what is left.
    expect((await upload(jar, "big.txt", "c".repeat(QUOTA - sent.length))).status).toBe(200);
  });

  it("sends a file uploaded again after the sweep took its first upload", async () => {
    const { jar, client } = newGuest();
    const text = "uploaded twice, a day apart";
    const ref = (await upload(jar, "twice.txt", text)).body;
    await backdate(ref.sha256, 2);
    await eventually(async () => {
      expect(await storedHashes()).not.toContain(ref.sha256);
    });
    expect((await upload(jar, "twice.txt", text)).status).toBe(200);
    const { conversationId } = await client.conversations.create.mutate({});
    await sendAndWait(client, { conversationId, content: "read it", files: [ref.sha256] });
    expect(await storedHashes()).toContain(ref.sha256);
  });

  it(`keeps at most ${SHARES} share links per owner; revoking one makes room`, async () => {
    const { client } = newGuest();
    const shares = [];
    for (let i = 0; i <= SHARES; i++) {
      const { conversationId } = await client.conversations.create.mutate({});
      await sendAndWait(client, { conversationId, content: `share ${i}` });
      shares.push(conversationId);
    }
    const [first, second, third] = shares as [string, string, string];
    const { shareId } = await client.conversations.share.mutate({ id: first });
    await client.conversations.share.mutate({ id: second });
    // Sharing unchanged content again gives the same link, which takes no room.
    expect(await client.conversations.share.mutate({ id: first })).toEqual({ shareId });

    const refused = await errorOf(client.conversations.share.mutate({ id: third }));
    expect({ code: refused.data?.code, message: refused.message }).toEqual({
      code: "FORBIDDEN",
      message: `You have ${SHARES} share links, the most you may keep: revoke some you no longer need (Settings → Shared links), then share again.`,
    });

    await client.shares.revoke.mutate({ shareId });
    await client.conversations.share.mutate({ id: third });
  });
});

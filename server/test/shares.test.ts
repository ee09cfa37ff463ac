// Share links (issue 6, acceptance 1): the same content keeps its link, a change makes a new
// one, anyone with the link sees the sharer's branch and the whole tree, "continue" makes an
// owned copy that answers, a revoked link is NOT_FOUND, and a shared attachment is readable by
// the share's viewers and nobody else.

import { FileRef, type Message, type SharedMessage } from "@parley/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARED_ANSWER_ERROR } from "../src/chat/shares.ts";
import { testDatabaseKinds } from "./helpers/database.ts";
import { codeOf } from "./helpers/errors.ts";
import { type CookieJar, createClient } from "./helpers/server.ts";
import {
  answerRequests,
  type ChatServer,
  type Client,
  promptOf,
  readStream,
  sendAndWait,
  startChatServer,
  textOf,
} from "./helpers/session.ts";

/** A tree as positions: each message's role, text and its parent's index, in order. */
function shapeOf(messages: readonly (Message | SharedMessage)[]) {
  const index = new Map(messages.map((message, at) => [message.id, at]));
  return messages.map((message) => ({
    role: message.role,
    content: message.content,
    parent: message.parentId === null ? null : (index.get(message.parentId) ?? "missing"),
  }));
}

/** The texts from the root down to `leafId`. */
function branchTo(messages: readonly (Message | SharedMessage)[], leafId: string): string[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  const texts: string[] = [];
  for (let node = byId.get(leafId); node; node = byId.get(node.parentId ?? "")) {
    texts.unshift(node.content);
  }
  return texts;
}

/** Sends `content` under `parentId` and waits for the answer to be saved. */
async function chat(client: Client, conversationId: string, content: string, parentId?: string) {
  const sent = await sendAndWait(client, {
    conversationId,
    content,
    mode: "new",
    ...(parentId ? { parentId } : {}),
  });
  return { ...sent, userMessageId: sent.userMessageId ?? "", text: textOf(sent.events) };
}

describe.each(testDatabaseKinds())("share links on %s", (database) => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({ database });
  });
  afterAll(() => server?.close());

  it("shows a failed answer as failed, never with the provider's own words", async () => {
    const owner = server.newOwner();
    const { conversationId } = await owner.conversations.create.mutate({});
    const failed = await owner.messages.send.mutate({
      conversationId,
      content: "[[mock fail=before status=500]] Hello?",
    });
    await readStream(owner, { generationId: failed.generationId });
    const stored = await owner.conversations.get.query({ id: conversationId });
    const providerWords = stored.messages.find((message) => message.role === "assistant")?.error;
    expect(providerWords).toMatch(/500/);

    const { shareId } = await owner.conversations.share.mutate({ id: conversationId });
    const shared = await createClient(server.url).shares.get.query({ shareId });
    const answer = shared.messages.find((message) => message.role === "assistant");
    expect(answer?.error).toBe(SHARED_ANSWER_ERROR);
    expect(JSON.stringify(shared)).not.toContain(providerWords);
  });

  it("gives the same id for unchanged content, and a new one once the conversation changes", async () => {
    const owner = server.newOwner();
    const { conversationId } = await owner.conversations.create.mutate({});
    const first = await chat(owner, conversationId, "[[mock tokens=6]] What is a lighthouse?");

    const { shareId } = await owner.conversations.share.mutate({ id: conversationId });
    expect(shareId).toMatch(/^[A-Za-z0-9_-]{7}$/);
    expect(await owner.conversations.share.mutate({ id: conversationId })).toEqual({ shareId });
    // The branch given explicitly is the one shared by default: the same content.
    expect(
      await owner.conversations.share.mutate({
        id: conversationId,
        leafId: first.assistantMessageId,
      }),
    ).toEqual({ shareId });

    await chat(
      owner,
      conversationId,
      "[[mock tokens=6]] And a lightship?",
      first.assistantMessageId,
    );
    // Two tabs sharing the same new content at once get one link.
    const [changed, twin] = await Promise.all([
      owner.conversations.share.mutate({ id: conversationId }),
      owner.conversations.share.mutate({ id: conversationId }),
    ]);
    expect(twin).toEqual(changed);
    expect(changed.shareId).not.toBe(shareId);
    // The first link still shows what was shared then.
    expect((await owner.shares.get.query({ shareId })).messages).toHaveLength(2);
    expect((await owner.shares.get.query({ shareId: changed.shareId })).messages).toHaveLength(4);

    // A rename changes what a viewer sees, so it is new content too.
    await owner.conversations.update.mutate({ id: conversationId, title: "Lights at sea" });
    const renamed = await owner.conversations.share.mutate({ id: conversationId });
    expect([shareId, changed.shareId]).not.toContain(renamed.shareId);

    const listed = await owner.shares.list.query();
    expect(listed.shares.map((share) => share.shareId)).toEqual([
      renamed.shareId,
      changed.shareId,
      shareId,
    ]);
    expect(listed.shares[0]).toMatchObject({
      title: "Lights at sea",
      conversationId,
      messageCount: 4,
    });
  });

  it("refuses to share while an answer is being written, and other people's conversations", async () => {
    const owner = server.newOwner();
    const { conversationId } = await owner.conversations.create.mutate({});
    expect(await codeOf(owner.conversations.share.mutate({ id: conversationId }))).toBe(
      "BAD_REQUEST",
    );
    const running = await owner.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=5000 delay=20]] A long story",
    });
    expect(await codeOf(owner.conversations.share.mutate({ id: conversationId }))).toBe("CONFLICT");
    await owner.generations.stop.mutate({ generationId: running.generationId });
    expect(await codeOf(owner.conversations.share.mutate({ id: conversationId }))).toBe("ok");

    const stranger = server.newOwner();
    expect(await codeOf(stranger.conversations.share.mutate({ id: conversationId }))).toBe(
      "NOT_FOUND",
    );
    expect(
      await codeOf(owner.conversations.share.mutate({ id: conversationId, leafId: "nope" })),
    ).toBe("NOT_FOUND");
  });

  it("shows anyone with the link the sharer's branch, with the whole tree", async () => {
    const owner = server.newOwner();
    const { conversationId } = await owner.conversations.create.mutate({});
    const river = await chat(owner, conversationId, "[[mock tokens=5]] What is a river?");
    // A second answer to the question, and an edited question with its own answer.
    await sendAndWait(owner, {
      conversationId,
      mode: "retry",
      messageId: river.assistantMessageId,
    });
    const bridge = await sendAndWait(owner, {
      conversationId,
      mode: "edit",
      messageId: river.userMessageId,
      content: "[[mock tokens=5]] What is a bridge?",
    });
    const conversation = await owner.conversations.get.query({ id: conversationId });

    // Shared while looking at the first answer to the first question.
    const { shareId } = await owner.conversations.share.mutate({
      id: conversationId,
      leafId: river.assistantMessageId,
    });
    const guests = await server.database.db.user.count();
    const anonymous = createClient(server.url);
    const shared = await anonymous.shares.get.query({ shareId });
    // Reading a share makes no guest.
    expect(await server.database.db.user.count()).toBe(guests);

    expect(shared).toMatchObject({ shareId, title: conversation.title, model: conversation.model });
    expect(shapeOf(shared.messages)).toEqual(shapeOf(conversation.messages));
    expect(branchTo(shared.messages, shared.leafId)).toEqual([
      "[[mock tokens=5]] What is a river?",
      river.text,
    ]);
    // Only what the page shows: no usage, parameters, prompts, or the owner's ids.
    expect(Object.keys(shared.messages[0] ?? {}).sort()).toEqual(
      [
        "content",
        "createdAt",
        "error",
        "files",
        "id",
        "interrupted",
        "model",
        "parentId",
        "reasoning",
        "role",
        "toolRounds",
        "truncated",
      ].sort(),
    );
    const text = JSON.stringify(shared);
    for (const id of [conversationId, ...conversation.messages.map((message) => message.id)]) {
      expect(text).not.toContain(id);
    }

    // Without a leaf, the newest branch: the edited question and its answer.
    const newest = await owner.conversations.share.mutate({ id: conversationId });
    expect(newest.shareId).not.toBe(shareId);
    const latest = await anonymous.shares.get.query({ shareId: newest.shareId });
    expect(branchTo(latest.messages, latest.leafId)).toEqual(
      branchTo(conversation.messages, bridge.assistantMessageId),
    );
    // A message in the middle of a branch shares that branch down to its end.
    const fromQuestion = await owner.conversations.share.mutate({
      id: conversationId,
      leafId: bridge.userMessageId ?? "",
    });
    expect(fromQuestion).toEqual(newest);

    expect(await codeOf(anonymous.shares.get.query({ shareId: "abcdefg" }))).toBe("NOT_FOUND");
    expect(await codeOf(anonymous.shares.get.query({ shareId: "short" }))).toBe("BAD_REQUEST");
  });

  it("copies a share for whoever continues it; the copy answers; again gives the same copy", async () => {
    const owner = server.newOwner();
    const { conversationId } = await owner.conversations.create.mutate({});
    const first = await chat(owner, conversationId, "[[mock tokens=5]] Name a planet");
    await sendAndWait(owner, {
      conversationId,
      mode: "retry",
      messageId: first.assistantMessageId,
    });
    const original = await owner.conversations.get.query({ id: conversationId });
    const { shareId } = await owner.conversations.share.mutate({
      id: conversationId,
      leafId: first.assistantMessageId,
    });
    const shared = await owner.shares.get.query({ shareId });

    const visitor = server.newOwner();
    const copy = await visitor.conversations.create.mutate({ fromShare: shareId });
    expect(copy.conversationId).not.toBe(conversationId);
    const copied = await visitor.conversations.get.query({ id: copy.conversationId });
    expect(copied).toMatchObject({ title: original.title, model: original.model });
    expect(shapeOf(copied.messages)).toEqual(shapeOf(original.messages));
    const originalIds = new Set(original.messages.map((message) => message.id));
    expect(copied.messages.filter((message) => originalIds.has(message.id))).toEqual([]);
    const stored = await server.database.db.conversation.findUnique({
      where: { id: copy.conversationId },
    });
    expect(stored?.fromShareId).toBe(shareId);

    // The copy's messages line up with the share's, so the viewer's branch carries over.
    const leafIndex = shared.messages.findIndex((message) => message.id === shared.leafId);
    const leaf = copied.messages[leafIndex];
    expect(leaf?.content).toBe(first.text);

    // The next answer streams, with the copied branch as its prompt.
    const next = await visitor.messages.send.mutate({
      conversationId: copy.conversationId,
      parentId: leaf?.id ?? "",
      content: "[[mock tokens=7]] Another one?",
    });
    const { events } = await readStream(visitor, { generationId: next.generationId });
    expect(events.at(-1)?.event).toMatchObject({ type: "final", interrupted: false });
    expect(textOf(events)).not.toBe("");
    const prompt = promptOf(answerRequests(server.mock).at(-1) ?? never());
    expect(prompt.filter((m) => m.role !== "system").map((m) => m.content)).toEqual([
      "[[mock tokens=5]] Name a planet",
      first.text,
      "[[mock tokens=7]] Another one?",
    ]);

    // Continuing again (later, or from two tabs at once) opens the same copy.
    expect(await visitor.conversations.create.mutate({ fromShare: shareId })).toEqual(copy);
    const late = server.newOwner();
    const [one, two] = await Promise.all([
      late.conversations.create.mutate({ fromShare: shareId }),
      late.conversations.create.mutate({ fromShare: shareId }),
    ]);
    expect(two).toEqual(one);
    expect((await late.conversations.list.query({})).items).toHaveLength(1);
    // The owner's conversation is as it was.
    expect(await owner.conversations.get.query({ id: conversationId })).toEqual(original);
    // Once the copy is deleted, continuing makes a new one.
    await visitor.conversations.delete.mutate({ id: copy.conversationId });
    const again = await visitor.conversations.create.mutate({ fromShare: shareId });
    expect(again.conversationId).not.toBe(copy.conversationId);
  });

  it("copies with the caller's default model when the share's model is gone", async () => {
    const owner = server.newOwner();
    const { conversationId } = await owner.conversations.create.mutate({});
    await chat(owner, conversationId, "[[mock tokens=3]] Hello");
    const { shareId } = await owner.conversations.share.mutate({ id: conversationId });
    const row = await server.database.db.share.findUniqueOrThrow({ where: { id: shareId } });
    await server.database.db.share.update({
      where: { id: shareId },
      data: { snapshot: { ...(row.snapshot as object), model: "a-model-removed-since" } },
    });
    const { models } = await owner.models.list.query();
    const preferred = models.at(-1)?.id ?? "";
    const visitor = server.newOwner();
    await visitor.settings.update.mutate({ defaultModel: preferred });
    const copy = await visitor.conversations.create.mutate({ fromShare: shareId });
    expect((await visitor.conversations.get.query({ id: copy.conversationId })).model).toBe(
      preferred,
    );
  });

  it("revokes: the link is NOT_FOUND for viewing and copying; only its owner may revoke", async () => {
    const owner = server.newOwner();
    const { conversationId } = await owner.conversations.create.mutate({});
    await chat(owner, conversationId, "[[mock tokens=4]] Keep this between us");
    const { shareId } = await owner.conversations.share.mutate({ id: conversationId });
    const early = server.newOwner();
    const earlyCopy = await early.conversations.create.mutate({ fromShare: shareId });

    const stranger = server.newOwner();
    expect(await codeOf(stranger.shares.revoke.mutate({ shareId }))).toBe("NOT_FOUND");
    expect(await codeOf(stranger.shares.get.query({ shareId }))).toBe("ok");

    const revoked = await owner.shares.revoke.mutate({ shareId });
    expect(revoked.shareId).toBe(shareId);
    const anonymous = createClient(server.url);
    expect(await codeOf(anonymous.shares.get.query({ shareId }))).toBe("NOT_FOUND");
    expect(await codeOf(stranger.conversations.create.mutate({ fromShare: shareId }))).toBe(
      "NOT_FOUND",
    );
    expect(await codeOf(owner.shares.revoke.mutate({ shareId }))).toBe("NOT_FOUND");
    expect((await owner.shares.list.query()).shares).toEqual([]);
    // A copy made before is its owner's own conversation now.
    expect(await codeOf(early.conversations.get.query({ id: earlyCopy.conversationId }))).toBe(
      "ok",
    );

    // Sharing the same content again makes a new link; the revoked one stays dead.
    const reshared = await owner.conversations.share.mutate({ id: conversationId });
    expect(reshared.shareId).not.toBe(shareId);
    expect(await codeOf(anonymous.shares.get.query({ shareId: reshared.shareId }))).toBe("ok");
    expect(await codeOf(anonymous.shares.get.query({ shareId }))).toBe("NOT_FOUND");
  });

  it("keeps a guest's links and copies when the guest signs up or signs in", async () => {
    const sharer = server.newOwner();
    const { conversationId } = await sharer.conversations.create.mutate({});
    await chat(sharer, conversationId, "[[mock tokens=4]] Worth sharing");
    const { shareId } = await sharer.conversations.share.mutate({ id: conversationId });

    // An account that continued the share earlier, and a guest who continues it now.
    const password = "share test password";
    const account = server.newOwner();
    await account.auth.signUp.mutate({ email: "reader@example.com", password });
    const accountCopy = await account.conversations.create.mutate({ fromShare: shareId });
    const guest = server.newOwner();
    const guestCopy = await guest.conversations.create.mutate({ fromShare: shareId });
    await guest.auth.signIn.mutate({ email: "reader@example.com", password });
    // Both copies are the account's; the account's own stays the one "continue" opens.
    const { items } = await guest.conversations.list.query({});
    expect(items.map((item) => item.id).sort()).toEqual(
      [accountCopy.conversationId, guestCopy.conversationId].sort(),
    );
    expect(await guest.conversations.create.mutate({ fromShare: shareId })).toEqual(accountCopy);

    // The sharer signs up: the link keeps working and is listed as the account's.
    await sharer.auth.signUp.mutate({ email: "sharer@example.com", password });
    expect((await sharer.shares.list.query()).shares.map((share) => share.shareId)).toEqual([
      shareId,
    ]);
    expect(await codeOf(createClient(server.url).shares.get.query({ shareId }))).toBe("ok");
  });

  // Needs the files feature (POST /files, messages.send `files`, GET /files/:sha256?share=).
  it("lets the share's viewers download its attachments, and nobody else", async () => {
    const { client: owner, jar } = server.newSession();
    const { conversationId } = await owner.conversations.create.mutate({});
    const notes = "Tide tables for the share test\n";
    const file = await upload(server.url, jar, "tides.txt", notes);
    await sendAndWait(owner, {
      conversationId,
      content: "[[mock tokens=4]] Read my notes",
      files: [file.sha256],
    });
    const { shareId } = await owner.conversations.share.mutate({ id: conversationId });
    // An unrelated share, to show a share only opens its own files.
    const other = server.newOwner();
    const { conversationId: otherId } = await other.conversations.create.mutate({});
    await chat(other, otherId, "[[mock tokens=3]] Nothing attached");
    const unrelated = await other.conversations.share.mutate({ id: otherId });

    const shared = await createClient(server.url).shares.get.query({ shareId });
    expect(shared.messages[0]?.files).toEqual([file]);

    const download = (query: string, cookie?: CookieJar) =>
      fetch(`${server.url}/files/${file.sha256}${query}`, {
        headers: cookie ? { cookie: cookie.header() } : {},
      });
    // Any viewer of the share, signed in or not.
    const viewed = await download(`?share=${shareId}`);
    expect(viewed.status).toBe(200);
    expect(await viewed.text()).toBe(notes);
    // Downloaded under the name the share shows.
    expect(viewed.headers.get("content-disposition")).toContain('filename="tides.txt"');
    const stranger = server.newSession();
    await stranger.client.settings.get.query();
    expect((await download(`?share=${shareId}`, stranger.jar)).status).toBe(200);
    // Nobody else: no share, another share, a share that does not exist.
    expect((await download("", stranger.jar)).status).toBe(404);
    expect((await download("")).status).toBe(404);
    expect((await download(`?share=${unrelated.shareId}`)).status).toBe(404);
    expect((await download("?share=abcdefg")).status).toBe(404);

    // Whoever continues the conversation owns a copy that uses the file: theirs to read.
    const copier = server.newSession();
    const copy = await copier.client.conversations.create.mutate({ fromShare: shareId });
    const copied = await copier.client.conversations.get.query({ id: copy.conversationId });
    expect(copied.messages[0]?.files).toEqual([file]);
    expect((await download("", copier.jar)).status).toBe(200);

    await owner.shares.revoke.mutate({ shareId });
    expect((await download(`?share=${shareId}`)).status).toBe(404);
    expect((await download(`?share=${shareId}`, stranger.jar)).status).toBe(404);
    expect((await download("", jar)).status).toBe(200);
  });
});

/** Uploads `text` as a file with the session in `jar`. */
async function upload(url: string, jar: CookieJar, name: string, text: string): Promise<FileRef> {
  const form = new FormData();
  form.append("file", new Blob([text], { type: "text/plain" }), name);
  const response = await fetch(`${url}/files`, {
    method: "POST",
    body: form,
    headers: { cookie: jar.header() },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return FileRef.parse(await response.json());
}

function never(): never {
  throw new Error("the mock received no answer request");
}

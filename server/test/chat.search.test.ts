// Full-text search through conversations.list({ search }) (issue 6, acceptance 6), over real
// HTTP on every test database: words in titles and messages, all words, the last one as a
// prefix, ranking, highlighted snippets, the matching message on its branch, owner isolation,
// hostile input, paging, and a rare word deep in a long conversation among many.

import type { ConversationListItem } from "@parley/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseKinds } from "./helpers/database.ts";
import { codeOf } from "./helpers/errors.ts";
import { seedSearchFixture } from "./helpers/search-fixture.ts";
import { type ChatServer, type Client, sendAndWait, startChatServer } from "./helpers/session.ts";

/** Sends a message (under `parentId`, or as an edit of `editOf`) and waits for the answer. */
async function say(
  client: Client,
  conversationId: string,
  content: string,
  where: { parentId?: string; editOf?: string } = {},
) {
  const sent = await sendAndWait(
    client,
    where.editOf
      ? { conversationId, content, mode: "edit", messageId: where.editOf }
      : { conversationId, content, parentId: where.parentId },
  );
  return { userMessageId: sent.userMessageId ?? "", assistantMessageId: sent.assistantMessageId };
}

async function conversation(client: Client, title: string, ...messages: string[]) {
  const { conversationId } = await client.conversations.create.mutate({});
  // A title set first is kept: no title is generated.
  if (title) await client.conversations.update.mutate({ id: conversationId, title });
  let parentId: string | undefined;
  const sent = [];
  for (const content of messages) {
    const ids = await say(client, conversationId, content, { parentId });
    sent.push(ids);
    parentId = ids.assistantMessageId;
  }
  return { id: conversationId, sent };
}

const ids = (items: readonly { id: string }[]) => items.map(({ id }) => id);
const highlighted = (item: ConversationListItem | undefined) =>
  item?.match?.snippet.filter((part) => part.highlight).map((part) => part.text) ?? [];
const snippetText = (item: ConversationListItem | undefined) =>
  item?.match?.snippet.map((part) => part.text).join("") ?? "";

describe.each(testDatabaseKinds())("search on %s", (database) => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({ database });
  });
  afterAll(() => server.close());

  it("finds words in titles and in messages; every word must match, in any case", async () => {
    const client = server.newOwner();
    const habitats = await conversation(client, "Okapi habitats", "Where do they sleep at night");
    const stripes = await conversation(client, "", "Okapi stripes and zebra legs");
    await conversation(client, "", "Nothing relevant here");

    const okapi = await client.conversations.list.query({ search: "okapi" });
    expect(ids(okapi.items).sort()).toEqual([habitats.id, stripes.id].sort());
    expect(okapi.nextCursor).toBeNull();

    // One word in the title, the other in a message.
    const both = await client.conversations.list.query({ search: "OKAPI Sleep" });
    expect(ids(both.items)).toEqual([habitats.id]);
    expect(both.items[0]?.match?.messageId).toBe(habitats.sent[0]?.userMessageId);
    expect(highlighted(both.items[0])).toEqual(["sleep"]);

    expect(ids((await client.conversations.list.query({ search: "zebra okapi" })).items)).toEqual([
      stripes.id,
    ]);
    expect((await client.conversations.list.query({ search: "okapi giraffe" })).items).toEqual([]);

    // A title-only match has no message; its snippet is the title.
    const titleOnly = okapi.items.find((item) => item.id === habitats.id);
    expect(titleOnly?.match).toEqual({
      messageId: null,
      snippet: [
        { text: "Okapi", highlight: true },
        { text: " habitats", highlight: false },
      ],
    });
  });

  it("matches the last word as a prefix, so results follow typing", async () => {
    const client = server.newOwner();
    const narwhal = await conversation(client, "", "Narwhals have a long tusk");
    await conversation(client, "", "Walruses have tusks too");

    for (const typed of ["nar", "narwh", "narwhals"]) {
      const found = await client.conversations.list.query({ search: typed });
      expect(ids(found.items), typed).toEqual([narwhal.id]);
    }
    expect(
      highlighted((await client.conversations.list.query({ search: "narw" })).items[0]),
    ).toEqual(["Narwhals"]);
    // Only the last word is a prefix: "narw" before another word must be whole.
    expect((await client.conversations.list.query({ search: "narw tusk" })).items).toEqual([]);
    expect(ids((await client.conversations.list.query({ search: "narwhals tu" })).items)).toEqual([
      narwhal.id,
    ]);
    expect(ids((await client.conversations.list.query({ search: "tusk" })).items).length).toBe(2);
  });

  it("ranks a conversation whose title and text match strongly first, then by recency", async () => {
    const client = server.newOwner();
    // Oldest first: recency alone would put them the other way round.
    const strong = await conversation(
      client,
      "Capybara care",
      "Capybara diet: what does a capybara eat, and how much does a capybara drink",
    );
    const weak = await conversation(client, "", "I once met a capybara");
    const titled = await conversation(client, "Capybara facts");
    const alsoWeak = await conversation(client, "", "Another capybara story");

    const found = await client.conversations.list.query({ search: "capybara" });
    expect(ids(found.items)).toEqual([strong.id, titled.id, alsoWeak.id, weak.id]);
    expect(found.items[0]?.match?.messageId).toBe(strong.sent[0]?.userMessageId);
    expect(highlighted(found.items[0])).toEqual(["Capybara", "capybara", "capybara"]);
  });

  it("points at the matching message on a branch that is not the one shown", async () => {
    const client = server.newOwner();
    const { id, sent } = await conversation(client, "Animals", "Tell me about lemurs");
    const first = sent[0]?.userMessageId ?? "";
    // Edit → a second branch whose question has the word; edit again → a third, shown last.
    const second = await say(client, id, "Tell me about pangolins instead", { editOf: first });
    await say(client, id, "Tell me about otters", { editOf: first });

    const found = await client.conversations.list.query({ search: "pangolins" });
    expect(ids(found.items)).toEqual([id]);
    expect(found.items[0]?.match?.messageId).toBe(second.userMessageId);
    expect(found.items[0]?.match?.snippet).toEqual([
      { text: "Tell me about ", highlight: false },
      { text: "pangolins", highlight: true },
      { text: " instead", highlight: false },
    ]);
    const tree = await client.conversations.get.query({ id });
    const matched = tree.messages.find((message) => message.id === second.userMessageId);
    expect(matched?.parentId).toBeNull();
    expect(tree.messages.filter((message) => message.parentId === null)).toHaveLength(3);
  });

  it("builds snippets as text parts: the highlight marks cannot come from a message", async () => {
    const client = server.newOwner();
    // ts_headline's marks are control characters; text carrying them must not fake a highlight.
    const { id } = await conversation(client, "", "fake \u0002mark\u0003 then a real quokka here");
    const found = await client.conversations.list.query({ search: "quokka" });
    expect(ids(found.items)).toEqual([id]);
    expect(highlighted(found.items[0])).toEqual(["quokka"]);
    expect(snippetText(found.items[0])).toBe("fake mark then a real quokka here");
  });

  it("never finds another owner's conversations", async () => {
    const alice = server.newOwner();
    const bob = server.newOwner();
    const hers = await conversation(alice, "Axolotl notes", "An axolotl regrows limbs");
    const his = await conversation(bob, "", "My axolotl is pink");
    expect(ids((await alice.conversations.list.query({ search: "axolotl" })).items)).toEqual([
      hers.id,
    ]);
    expect(ids((await bob.conversations.list.query({ search: "axolotl" })).items)).toEqual([
      his.id,
    ]);
    expect((await server.newOwner().conversations.list.query({ search: "axol" })).items).toEqual(
      [],
    );
  });

  it("reads operators and punctuation as plain text, never as query syntax", async () => {
    const client = server.newOwner();
    const both = await conversation(client, "", "The ibis and the heron share a lake");
    await conversation(client, "", "A heron alone");

    for (const hostile of [
      "a & b | !c :* ( ) '",
      "'",
      "''",
      ":*",
      "!!",
      "(",
      ")",
      "\\",
      "<->",
      "<2>",
      "%",
      "_",
      "&|!",
      "ibis:*A",
      "'ibis' & !heron",
      "ibis')) OR 1=1 --",
      "\u0000\u0002\u0003",
    ]) {
      const result = await client.conversations.list.query({ search: hostile });
      expect(result.nextCursor, hostile).toBeNull();
    }
    // The operators are ignored, the words kept: & and | do not change "every word".
    for (const search of ["ibis & heron", "ibis | heron", "!ibis heron", "(ibis) (heron)"]) {
      expect(ids((await client.conversations.list.query({ search })).items), search).toEqual([
        both.id,
      ]);
    }
    expect((await client.conversations.list.query({ search: "ibis | stork" })).items).toEqual([]);
    expect(ids((await client.conversations.list.query({ search: "ibis:*" })).items)).toEqual([
      both.id,
    ]);
  });

  it("lists everything as before when the search is empty", async () => {
    const client = server.newOwner();
    const a = await conversation(client, "First");
    const b = await conversation(client, "Second");
    const all = await client.conversations.list.query({});
    expect(ids(all.items)).toEqual([b.id, a.id]);
    expect(all.items.every((item) => item.match === null)).toBe(true);
    expect(await client.conversations.list.query({ search: "" })).toEqual(all);
    expect(await client.conversations.list.query({ search: "   " })).toEqual(all);
  });

  it("pages through search results with a cursor", async () => {
    const client = server.newOwner();
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) made.push((await conversation(client, `Tapir ${i}`)).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.conversations.list.query({ search: "tapir", limit: 2, cursor });
      seen.push(...ids(page.items));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    // Equal rank: newest first, each once.
    expect(seen).toEqual([...made].reverse());
    const listCursor = (await client.conversations.list.query({ limit: 1 })).nextCursor ?? "";
    expect(await codeOf(client.conversations.list.query({ search: "tapir", cursor: "x" }))).toBe(
      "BAD_REQUEST",
    );
    expect(
      await codeOf(client.conversations.list.query({ search: "tapir", cursor: listCursor })),
    ).toBe("BAD_REQUEST");
  });

  it("finds a rare word from message 900 of a 1,000-message conversation, ranked first", async () => {
    const client = server.newOwner();
    const { conversationId } = await client.conversations.create.mutate({});
    const { ownerId } = await server.database.db.conversation.findUniqueOrThrow({
      where: { id: conversationId },
    });
    // The bench (bench/search.ts) seeds 2,000 conversations; the same shape, smaller, here.
    const fixture = await seedSearchFixture(server.database.db, {
      ownerId,
      conversations: 200,
      longMessages: 1_000,
      rareAt: 900,
      rareWord: "quixotically",
    });
    expect(fixture.messages).toBeGreaterThan(2_000);

    // Recency alone puts the long conversation mid-list.
    const newest = await client.conversations.list.query({ limit: 20 });
    expect(ids(newest.items)).not.toContain(fixture.longConversationId);

    for (const search of ["quixotically", "Quixotic", "quixotically the"]) {
      const found = await client.conversations.list.query({ search });
      expect(found.items[0]?.id, search).toBe(fixture.longConversationId);
      expect(found.items[0]?.match?.messageId, search).toBe(fixture.rareMessageId);
      expect(highlighted(found.items[0]), search).toContain("quixotically");
    }
    expect(ids((await client.conversations.list.query({ search: "quixotically" })).items)).toEqual([
      fixture.longConversationId,
    ]);
  });
});

// A search corpus seeded with SQL (generate_series, one INSERT … SELECT per table), for the
// search test and bench/search.ts: many conversations of one owner with chat-like messages, and
// one long conversation whose message `rareAt` holds a word found nowhere else.

import type { Db } from "../../src/db/client.ts";

export interface SearchFixtureOptions {
  ownerId: string;
  /** Conversations in all, the long one included. */
  conversations: number;
  /** Messages in the long conversation. */
  longMessages: number;
  /** Which message (1-based) of the long conversation holds the rare word. */
  rareAt: number;
  rareWord: string;
}

export interface SearchFixture {
  longConversationId: string;
  rareMessageId: string;
  conversations: number;
  messages: number;
}

// Words by how often they are drawn: function words first (nearly every message has "the"),
// then everyday and technical words, rarer the further down.
const VOCABULARY = `the to and of a in is that it for you this with on be are as can
  not or if your have will at by an from but we use one which so more some when they was
  what how there all also would do like each other about make need just then than only
  should could into first here these time may well any two new way because example want
  data function file code value question answer model system work change list error result
  version simple different number problem point step user text string method server case
  test type output input option help name line write read return start main create check
  order idea query table page request response object client process memory support design
  database message learn early better class state simply update build source support short
  morning garden recipe travel budget weather history music movie novel coffee bread city
  river mountain market language letter email meeting project report summary draft plan
  program progress profile promise protect provide produce product professional proof
  python javascript typescript rust docker kubernetes postgres network browser compiler
  vector matrix gradient training dataset prompt token context window latency throughput
  cache index search ranking snippet highlight branch commit merge release deploy monitor
  salad pasta tomato garlic onion pepper butter cheese dinner lunch breakfast dessert
  holiday flight hotel museum beach island forest desert glacier volcano canyon harbor`
  .split(/\s+/)
  .filter(Boolean)
  .join(" ");

/** Distinct sentences messages are made of. */
const SENTENCES = 5_000;

/**
 * Seeds the corpus for an owner that exists already. Text is drawn deterministically (hashes of
 * ids and positions), so every run searches the same data. Conversation i has 4 to 16 messages,
 * alternating question (1–3 sentences) and answer (4–20), each the child of the previous; a
 * sentence has 6 to 18 words.
 */
export async function seedSearchFixture(
  db: Db,
  options: SearchFixtureOptions,
): Promise<SearchFixture> {
  const { ownerId, conversations, longMessages, rareAt, rareWord } = options;
  const prefix = `sf${Math.random().toString(36).slice(2, 8)}`;
  const longIndex = Math.ceil(conversations / 2);
  const longConversationId = `${prefix}-c${longIndex}`;

  // Conversation i was last active i hours ago, so the long one sits mid-list.
  await db.$executeRaw`
    INSERT INTO "Conversation" ("id", "ownerId", "title", "model", "createdAt", "updatedAt")
    SELECT ${prefix} || '-c' || i, ${ownerId},
           initcap(split_part(${VOCABULARY}, ' ', 60 + (abs(hashtext(${prefix} || i)) % 150)))
             || ' ' || split_part(${VOCABULARY}, ' ', 60 + (abs(hashtext(i || ${prefix})) % 150)),
           'parley-demo',
           now() - make_interval(hours => i) - interval '1 day',
           now() - make_interval(hours => i)
    FROM generate_series(1, ${conversations}::int) AS i`;

  // Text is built from a pool of sentences (each a skewed draw of words), a few per question
  // and more per answer: far fewer random draws than word by word, for much the same text.
  await db.$executeRaw`
    WITH vocabulary AS (
      SELECT word, i::int FROM unnest(string_to_array(${VOCABULARY}, ' ')) WITH ORDINALITY AS v (word, i)
    ),
    sentence_word AS (
      SELECT s, k, 1 + floor(power((abs(hashtext(s || ':' || k)) % 1000003) / 1000003.0::float8, 2.2)
                             * (SELECT count(*) FROM vocabulary))::int AS pick
      FROM generate_series(1, ${SENTENCES}::int) AS s,
           generate_series(1, 6 + abs(hashtext('s' || s)) % 13) AS k
    ),
    sentence AS (
      SELECT s, upper(left(text, 1)) || substr(text, 2) || '.' AS text
      FROM (SELECT s, string_agg(v.word, ' ' ORDER BY k) AS text
            FROM sentence_word JOIN vocabulary v ON v.i = sentence_word.pick GROUP BY s) AS built
    ),
    size AS (
      SELECT i, CASE WHEN i = ${longIndex}::int THEN ${longMessages}::int
                     ELSE 4 + abs(hashtext('n' || i)) % 13 END AS count
      FROM generate_series(1, ${conversations}::int) AS i
    ),
    slot AS (
      SELECT i, j, ${prefix} || '-c' || i || '-m' || j AS id FROM size, generate_series(1, size.count) AS j
    ),
    pick AS (
      SELECT slot.i, slot.j, slot.id, p, 1 + abs(hashtext(slot.id || ':' || p)) % ${SENTENCES}::int AS s
      FROM slot, generate_series(1, CASE WHEN slot.j % 2 = 1 THEN 1 + abs(hashtext(slot.id)) % 3
                                         ELSE 4 + abs(hashtext(slot.id)) % 17 END) AS p
    )
    INSERT INTO "Message"
      ("id", "conversationId", "parentId", "role", "content", "model", "createdAt", "updatedAt")
    SELECT pick.id, ${prefix} || '-c' || pick.i,
           CASE WHEN pick.j = 1 THEN NULL ELSE ${prefix} || '-c' || pick.i || '-m' || (pick.j - 1) END,
           (CASE WHEN pick.j % 2 = 1 THEN 'user' ELSE 'assistant' END)::"Role",
           string_agg(CASE WHEN pick.i = ${longIndex}::int AND pick.j = ${rareAt}::int AND pick.p = 2
                           THEN ${rareWord} || ' ' || sentence.text ELSE sentence.text END,
                      ' ' ORDER BY pick.p),
           CASE WHEN pick.j % 2 = 0 THEN 'parley-demo' END,
           now() - make_interval(hours => pick.i) - interval '1 day' + make_interval(secs => pick.j),
           now() - make_interval(hours => pick.i) - interval '1 day' + make_interval(secs => pick.j)
    FROM pick JOIN sentence ON sentence.s = pick.s
    GROUP BY pick.i, pick.j, pick.id`;

  const [counted] = await db.$queryRaw<{ messages: number }[]>`
    SELECT count(*)::int AS messages FROM "Message" WHERE "id" LIKE ${`${prefix}-%`}`;
  return {
    longConversationId,
    rareMessageId: `${longConversationId}-m${rareAt}`,
    conversations,
    messages: counted?.messages ?? 0,
  };
}

// Full-text search over an owner's conversations: titles and message text, through the
// generated tsvector columns (`titleSearch`, `contentSearch`, 'simple' configuration, GIN
// indexes). Every word must appear in the title or in some message of a conversation; the last
// word matches as a prefix, so results follow the user's typing. Results are ranked (a title hit
// weighs twice a message hit), then most recent first, and each carries its best-matching
// message with a highlighted snippet. Runs unchanged on PGlite and PostgreSQL.

import type { ConversationsListOutput, SnippetPart } from "@parley/shared";
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/client.ts";
import { badRequest } from "../errors.ts";

/** Words beyond this are ignored (each adds an index scan). */
const MAX_WORDS = 10;

// ts_headline marks matches with these; they are stripped from the text it reads, so every one
// in its output is a mark, and the snippet goes out as parts rather than HTML.
const START = "\u0002";
const STOP = "\u0003";
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=20, MinWords=8, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`;

/**
 * The user's words, each to be read by phraseto_tsquery (which takes text, not tsquery syntax).
 * tsquery operators and control characters become spaces anyway: they would only separate
 * tokens there, and StartSel/StopSel must never come from the user.
 */
export function searchWords(search: string): string[] {
  return search
    .split(/\s+/)
    .map((word) => word.replace(/[&|!():*<>'\\\p{Cc}]/gu, " ").trim())
    .filter(Boolean)
    .slice(0, MAX_WORDS);
}

interface SearchRow {
  id: string;
  title: string;
  model: string;
  createdAt: Date;
  updatedAt: Date;
  messageId: string | null;
  headline: string;
}

export async function searchConversations(
  db: Db,
  ownerId: string,
  input: { search: string; limit: number; cursor?: string },
): Promise<ConversationsListOutput> {
  const offset = input.cursor ? decodeSearchCursor(input.cursor) : 0;
  const words = searchWords(input.search);
  if (words.length === 0) return { items: [], nextCursor: null };
  const rows = await db.$queryRaw<SearchRow[]>(
    searchQuery(ownerId, words, { limit: input.limit + 1, offset }),
  );

  const items = rows.slice(0, input.limit).map((row) => ({
    id: row.id,
    title: row.title,
    model: row.model,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    match: { messageId: row.messageId, snippet: snippetParts(row.headline) },
  }));
  return {
    items,
    nextCursor: rows.length > input.limit ? encodeSearchCursor(offset + input.limit) : null,
  };
}

/** The search as one statement, every input a bound parameter. */
export function searchQuery(
  ownerId: string,
  words: readonly string[],
  page: { limit: number; offset: number },
): Prisma.Sql {
  const values = Prisma.join(words.map((word, index) => Prisma.sql`(${index + 1}::int, ${word})`));
  // How many of the words a message has (one row per word it matched); with one word, 1, and
  // the sort this window needs is saved (a third of the time for a word in most messages).
  const wordsInMessage =
    words.length === 1 ? Prisma.sql`1` : Prisma.sql`count(*) OVER (PARTITION BY "id")`;
  // word: one tsquery per word that has any lexeme ("%" has none), the last one as a prefix
  //   (phraseto_tsquery's own output is valid tsquery syntax, so `:*` can be appended to it;
  //   the planner may fold the CASE for every row, so each arm must be valid for an empty one).
  // title_hit / message_hit: which word matched where (GIN index scans), only in the owner's
  //   conversations. A hit scores the number of the words it has, plus ts_rank against all of
  //   them (normalized into [0, 1)), so a message with every word beats one with a frequent one.
  //   (MATERIALIZED: ranked once, before the sorts below, which then move no tsvectors.)
  // matched: conversations where every word matched somewhere, scored (the title counts twice)
  //   and ranked, one page of them, each with its best message (newest on a tie). Aggregates
  //   rather than joins between the CTEs: the planner cannot estimate CTE sizes, and a nested
  //   loop over thousands of hits costs seconds on PGlite.
  // Then ts_headline (slow) runs on that page only.
  return Prisma.sql`
    WITH parsed AS (
      SELECT n, phraseto_tsquery('simple', word) AS q FROM (VALUES ${values}) AS input (n, word)
    ),
    word AS (
      SELECT n, (CASE WHEN n = max(n) OVER () AND numnode(q) > 0 THEN q::text || ':*'
                      ELSE q::text END)::tsquery AS q
      FROM parsed WHERE numnode(q) > 0
    ),
    query AS (
      SELECT string_agg('(' || q::text || ')', ' | ')::tsquery AS q, count(*)::int AS words
      FROM word
    ),
    title_hit AS MATERIALIZED (
      SELECT c."id" AS "conversationId", c."updatedAt", word.n,
             ts_rank(c."titleSearch", query.q, 32) AS rank
      FROM word CROSS JOIN query
      JOIN "Conversation" c ON c."titleSearch" @@ word.q
      WHERE c."ownerId" = ${ownerId}
    ),
    message_hit AS MATERIALIZED (
      SELECT m."conversationId", c."updatedAt", word.n, m."id", m."createdAt",
             ts_rank(m."contentSearch", query.q, 32) AS rank
      FROM word CROSS JOIN query
      JOIN "Message" m ON m."contentSearch" @@ word.q
      JOIN "Conversation" c ON c."id" = m."conversationId"
      WHERE c."ownerId" = ${ownerId}
    ),
    matched AS (
      SELECT "conversationId", max("updatedAt") AS "updatedAt",
             2 * coalesce(max("titleScore"), 0) + coalesce(max("messageScore"), 0) AS score,
             (array_agg("messageId" ORDER BY "messageScore" DESC NULLS LAST, "createdAt" DESC,
                        "messageId" DESC))[1] AS "messageId"
      FROM (
        SELECT "conversationId", "updatedAt", n,
               count(*) OVER (PARTITION BY "conversationId") + rank AS "titleScore",
               NULL::float8 AS "messageScore", NULL::text AS "messageId",
               NULL::timestamp(3) AS "createdAt"
        FROM title_hit
        UNION ALL
        SELECT "conversationId", "updatedAt", n, NULL,
               ${wordsInMessage} + rank, "id", "createdAt"
        FROM message_hit
      ) AS hit
      GROUP BY "conversationId"
      HAVING count(DISTINCT n) = (SELECT words FROM query)
      ORDER BY score DESC, "updatedAt" DESC, "conversationId" DESC
      LIMIT ${page.limit} OFFSET ${page.offset}
    )
    SELECT c."id", c."title", c."model", c."createdAt", c."updatedAt", matched."messageId",
           ts_headline('simple', translate(coalesce(m."content", c."title"), ${START + STOP}, ''),
                       query.q, ${HEADLINE_OPTIONS}) AS headline
    FROM matched
    JOIN "Conversation" c ON c."id" = matched."conversationId"
    LEFT JOIN "Message" m ON m."id" = matched."messageId"
    CROSS JOIN query
    ORDER BY matched.score DESC, matched."updatedAt" DESC, matched."conversationId" DESC`;
}

/** ts_headline's output, split at its marks, with runs of white space made one space. */
export function snippetParts(headline: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let highlight = false;
  for (const piece of headline.split(new RegExp(`([${START}${STOP}])`))) {
    if (piece === START || piece === STOP) {
      highlight = piece === START;
      continue;
    }
    const text = piece.replace(/\s+/g, " ");
    if (!text) continue;
    const last = parts.at(-1);
    if (last && last.highlight === highlight) last.text += text;
    else parts.push({ text, highlight });
  }
  const first = parts[0];
  if (first) first.text = first.text.trimStart();
  const end = parts.at(-1);
  if (end) end.text = end.text.trimEnd();
  return parts.filter((part) => part.text !== "");
}

// Search pages are ranked, not by time, so their cursor is a position in the ranking.
function encodeSearchCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ searchOffset: offset })).toString("base64url");
}

function decodeSearchCursor(cursor: string): number {
  try {
    const { searchOffset } = JSON.parse(Buffer.from(cursor, "base64url").toString()) as {
      searchOffset?: unknown;
    };
    if (
      typeof searchOffset === "number" &&
      Number.isSafeInteger(searchOffset) &&
      searchOffset > 0
    ) {
      return searchOffset;
    }
  } catch {
    // Not JSON: refused below.
  }
  throw badRequest("cursor is not one returned by this search");
}

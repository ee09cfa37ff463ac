// What generations write to the database: each a single statement (no transaction around it),
// so the checkpoints of a moment (of every answer being written), a title or a final save is one
// round trip.

import type { GenerationEvent, TokenUsage, ToolRound } from "@parley/shared";
import type { Db } from "../../db/client.ts";
import { Prisma } from "../../db/generated/client.ts";
import { executeStatement, queryRows } from "../../db/statements.ts";

/** A timestamp(3) column's value: UTC, as Prisma writes them. */
export function sqlTimestamp(date: Date = new Date()): string {
  return date.toISOString();
}

/** An answer as a checkpoint saves it. */
export interface AnswerSoFar {
  text: string;
  reasoning: string;
  toolRounds: readonly ToolRound[];
}

/**
 * The answers so far, by message id, in one statement (a message deleted meanwhile is left
 * out: nothing happens to it).
 */
export async function saveCheckpoints(
  db: Db,
  answers: ReadonlyMap<string, AnswerSoFar>,
): Promise<void> {
  const ids = [...answers.keys()];
  const all = [...answers.values()];
  await executeStatement(
    db,
    Prisma.sql`
    UPDATE "Message" AS m
    SET "content" = v."content", "reasoning" = v."reasoning",
        "toolRounds" = v."toolRounds"::jsonb,
        "updatedAt" = ${sqlTimestamp()}::timestamp(3)
    FROM unnest(
      ${ids}::text[],
      ${all.map((answer) => answer.text)}::text[],
      ${all.map((answer) => answer.reasoning)}::text[],
      ${all.map((answer) => roundsJson(answer.toolRounds))}::text[]
    ) AS v("id", "content", "reasoning", "toolRounds")
    WHERE m."id" = v."id"`,
  );
}

/** Tool rounds as stored: null for none (most answers). */
function roundsJson(rounds: readonly ToolRound[]): string | null {
  return rounds.length > 0 ? JSON.stringify(rounds) : null;
}

export interface FinalAnswer extends AnswerSoFar {
  /** Cut short: stopped, failed, or abandoned. */
  interrupted: boolean;
  /** Finished at the output token limit (it may be continued). */
  truncated: boolean;
  error: string | null;
  usage?: TokenUsage;
  timeToFirstTokenMs?: number;
}

/** The answer as it ended. */
export async function saveFinal(db: Db, messageId: string, answer: FinalAnswer): Promise<void> {
  const usage = answer.usage ? JSON.stringify(answer.usage) : null;
  await executeStatement(
    db,
    Prisma.sql`
    UPDATE "Message"
    SET "content" = ${answer.text}, "reasoning" = ${answer.reasoning},
        "toolRounds" = ${roundsJson(answer.toolRounds)}::jsonb,
        "interrupted" = ${answer.interrupted}, "truncated" = ${answer.truncated},
        "error" = ${answer.error},
        "usage" = COALESCE(${usage}::jsonb, "usage"),
        "timeToFirstTokenMs" = COALESCE(${answer.timeToFirstTokenMs ?? null}::int, "timeToFirstTokenMs"),
        "updatedAt" = ${sqlTimestamp()}::timestamp(3)
    WHERE "id" = ${messageId}`,
  );
}

/** Sets a conversation's title unless it has one (a user may have named it meanwhile). */
export async function saveTitle(db: Db, conversationId: string, title: string): Promise<boolean> {
  const count = await executeStatement(
    db,
    Prisma.sql`
    UPDATE "Conversation" SET "title" = ${title}
    WHERE "id" = ${conversationId} AND "title" = ''`,
  );
  return count > 0;
}

/**
 * How a generation ends when the instance running it died: its answer stays as its last
 * checkpoint left it (already marked interrupted: a send writes it so until the answer ends),
 * and its subscribers get that text, cut short.
 */
export async function abandonedEnding(db: Db, messageId: string): Promise<GenerationEvent> {
  const rows = await queryRows<{ content: string }>(
    db,
    Prisma.sql`
    SELECT "content" FROM "Message" WHERE "id" = ${messageId}`,
  );
  return {
    type: "final",
    text: rows[0]?.content ?? "",
    interrupted: true,
    truncated: false,
    usage: null,
  };
}

// What a generation writes to the database: each a single statement (no transaction around
// it), so a checkpoint, a title or the final save is one round trip.

import type { GenerationEvent, TokenUsage, ToolRound } from "@parley/shared";
import type { Db } from "../../db/client.ts";

/** A timestamp(3) column's value: UTC, as Prisma writes them. */
export function sqlTimestamp(date: Date = new Date()): string {
  return date.toISOString();
}

/** The answer so far (the message may have been deleted meanwhile: then nothing happens). */
export async function saveCheckpoint(
  db: Db,
  messageId: string,
  answer: { text: string; reasoning: string; toolRounds: readonly ToolRound[] },
): Promise<void> {
  await db.$executeRaw`
    UPDATE "Message"
    SET "content" = ${answer.text}, "reasoning" = ${answer.reasoning},
        "toolRounds" = ${roundsJson(answer.toolRounds)}::jsonb,
        "updatedAt" = ${sqlTimestamp()}::timestamp(3)
    WHERE "id" = ${messageId}`;
}

/** Tool rounds as stored: null for none (most answers). */
function roundsJson(rounds: readonly ToolRound[]): string | null {
  return rounds.length > 0 ? JSON.stringify(rounds) : null;
}

export interface FinalAnswer {
  text: string;
  reasoning: string;
  toolRounds: readonly ToolRound[];
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
  await db.$executeRaw`
    UPDATE "Message"
    SET "content" = ${answer.text}, "reasoning" = ${answer.reasoning},
        "toolRounds" = ${roundsJson(answer.toolRounds)}::jsonb,
        "interrupted" = ${answer.interrupted}, "truncated" = ${answer.truncated},
        "error" = ${answer.error},
        "usage" = COALESCE(${usage}::jsonb, "usage"),
        "timeToFirstTokenMs" = COALESCE(${answer.timeToFirstTokenMs ?? null}::int, "timeToFirstTokenMs"),
        "updatedAt" = ${sqlTimestamp()}::timestamp(3)
    WHERE "id" = ${messageId}`;
}

/** Sets a conversation's title unless it has one (a user may have named it meanwhile). */
export async function saveTitle(db: Db, conversationId: string, title: string): Promise<boolean> {
  const count = await db.$executeRaw`
    UPDATE "Conversation" SET "title" = ${title}
    WHERE "id" = ${conversationId} AND "title" = ''`;
  return count > 0;
}

/**
 * How a generation ends when the instance running it died: its answer stays as its last
 * checkpoint left it (already marked interrupted: a send writes it so until the answer ends),
 * and its subscribers get that text, cut short.
 */
export async function abandonedEnding(db: Db, messageId: string): Promise<GenerationEvent> {
  const rows = await db.$queryRaw<{ content: string }[]>`
    SELECT "content" FROM "Message" WHERE "id" = ${messageId}`;
  return {
    type: "final",
    text: rows[0]?.content ?? "",
    interrupted: true,
    truncated: false,
    usage: null,
  };
}

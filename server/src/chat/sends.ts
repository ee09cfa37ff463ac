// The two statements of a send: one read (the conversation, its whole tree with each message's
// files, and the owner's settings) and one write (the new messages, the guest's allowance and
// the conversation's activity, all or nothing; a first message also makes its conversation).
// Single statements, not transactions: a send costs two round trips to the database, whatever it
// holds.

import type { FileRef, Role } from "@parley/shared";
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/client.ts";
import { queryRows } from "../db/statements.ts";
import { sqlTimestamp } from "./generations/saves.ts";
import { roomForConversation } from "./new-conversations.ts";

export interface SendNode {
  id: string;
  parentId: string | null;
  role: Role;
  content: string;
  reasoning: string;
  /** An answer's tool rounds as stored (JSON), sent again with it on later turns. */
  toolRounds: unknown;
  files: FileRef[];
}

export interface SendContext {
  id: string;
  title: string;
  model: string;
  systemPrompt: string;
  /** The tools last chosen in this conversation (JSON as stored), null when never. */
  tools: unknown;
  /** The owner's stored settings (unparsed), null when they have none. */
  settings: unknown;
  /** Every message, parents before children. */
  messages: SendNode[];
}

/** The owner's conversation with what a send needs, or undefined if it is not theirs. */
export async function readForSend(
  db: Db,
  ownerId: string,
  conversationId: string,
): Promise<SendContext | undefined> {
  const rows = await queryRows<SendContext>(
    db,
    Prisma.sql`
    SELECT c."id", c."title", c."model", c."systemPrompt", c."tools",
      (SELECT s."data" FROM "Settings" s WHERE s."userId" = ${ownerId}) AS "settings",
      COALESCE((
        SELECT json_agg(json_build_object(
          'id', m."id", 'parentId', m."parentId", 'role', m."role",
          'content', m."content", 'reasoning', m."reasoning", 'toolRounds', m."toolRounds",
          'files', COALESCE((
            SELECT json_agg(json_build_object(
              'sha256', mf."sha256", 'name', mf."name", 'mimeType', f."mimeType", 'size', f."size"))
            FROM "MessageFile" mf JOIN "File" f ON f."sha256" = mf."sha256"
            WHERE mf."messageId" = m."id"), '[]'::json)
        ) ORDER BY m."createdAt", m."id")
        FROM "Message" m WHERE m."conversationId" = c."id"), '[]'::json) AS "messages"
    FROM "Conversation" c
    WHERE c."id" = ${conversationId} AND c."ownerId" = ${ownerId}`,
  );
  return rows[0];
}

export interface SendWrite {
  conversationId: string;
  /** The tools chosen for this send, remembered for the conversation (undefined: unchanged). */
  tools?: readonly string[];
  /** A guest's allowance: the send happens only while it has sent fewer than `limit`. */
  guestAllowance?: { userId: string; limit: number };
  /** The owner is a new guest, made by this write: its rows (WITH parts), written first. */
  guest?: Prisma.Sql[];
  /**
   * The conversation starts with this send: made under `conversationId`, if its owner keeps
   * fewer than `limit` conversations.
   */
  start?: { ownerId: string; model: string; systemPrompt: string; limit: number };
  /** The new user message (new, edit). */
  user?: { id: string; parentId: string | null; content: string; files: readonly FileRef[] };
  /** The answer: a new message, or (continue) an existing one that grows. */
  answer: {
    id: string;
    /** The new answer's parent; undefined for continue. */
    parentId?: string | null;
    continues: boolean;
    model: string;
    /** JSON of the sampling parameters. */
    parameters: string;
    /** The recorded prompt (JSON text; see recordPrompt). */
    prompt: string;
  };
}

/** A send refused by the write itself. */
export class SendRefused extends Error {
  constructor(readonly reason: "guest-allowance" | "no-room" | "id-taken" | "gone") {
    super(reason);
    this.name = "SendRefused";
  }
}

/** Writes a send in one statement; throws SendRefused when nothing could be written. */
export async function writeSend(db: Db, send: SendWrite): Promise<void> {
  const now = Date.now();
  const at = Prisma.sql`${sqlTimestamp(new Date(now))}::timestamp(3)`;
  // A millisecond after its question: an answer sorts after it whatever their ids.
  const answerAt = Prisma.sql`${sqlTimestamp(new Date(now + 1))}::timestamp(3)`;
  const { conversationId, user, answer, guestAllowance, start } = send;
  const tools = send.tools === undefined ? null : JSON.stringify(send.tools);
  // A new conversation needs room for it; anything else has it.
  const room = start
    ? Prisma.sql`SELECT 1 WHERE ${roomForConversation(start.ownerId, start.limit)}`
    : Prisma.sql`SELECT 1`;
  // Every later part writes only if this one yields a row: the guest may still send.
  const allowed = guestAllowance
    ? Prisma.sql`UPDATE "User" SET "messagesSent" = "messagesSent" + 1, "updatedAt" = ${at}
        WHERE "id" = ${guestAllowance.userId} AND "messagesSent" < ${guestAllowance.limit}
          AND EXISTS (SELECT 1 FROM room)
        RETURNING 1`
    : Prisma.sql`SELECT 1 FROM room`;
  const parts = [
    ...(send.guest ?? []),
    Prisma.sql`room AS (${room})`,
    Prisma.sql`allowed AS (${allowed})`,
  ];
  if (start) {
    // Its messages reference it from the same statement: foreign keys are checked at its end.
    parts.push(Prisma.sql`new_conversation AS (
      INSERT INTO "Conversation" ("id", "ownerId", "model", "systemPrompt", "tools", "createdAt", "updatedAt")
      SELECT ${conversationId}::text, ${start.ownerId}::text, ${start.model}::text,
             ${start.systemPrompt}::text, ${tools}::jsonb, ${at}, ${at}
      FROM allowed)`);
  }
  if (user) {
    parts.push(Prisma.sql`user_message AS (
      INSERT INTO "Message" ("id", "conversationId", "parentId", "role", "content", "createdAt", "updatedAt")
      SELECT ${user.id}::text, ${conversationId}::text, ${user.parentId}::text, 'user'::"Role",
             ${user.content}::text, ${at}, ${at}
      FROM allowed)`);
    if (user.files.length > 0) {
      const files = JSON.stringify(user.files.map(({ sha256, name }) => ({ sha256, name })));
      parts.push(Prisma.sql`user_files AS (
        INSERT INTO "MessageFile" ("messageId", "sha256", "name")
        SELECT ${user.id}::text, f."sha256", f."name"
        FROM allowed, json_to_recordset(${files}::json) AS f("sha256" text, "name" text))`);
    }
  }
  parts.push(
    answer.continues
      ? Prisma.sql`answer AS (
          UPDATE "Message"
          SET "model" = ${answer.model}::text, "parameters" = ${answer.parameters}::jsonb,
              "prompt" = ${answer.prompt}::jsonb, "interrupted" = true, "error" = NULL,
              "updatedAt" = ${at}
          WHERE "id" = ${answer.id} AND "conversationId" = ${conversationId}
            AND EXISTS (SELECT 1 FROM allowed)
          RETURNING 1)`
      : Prisma.sql`answer AS (
          INSERT INTO "Message" ("id", "conversationId", "parentId", "role", "model", "parameters",
                                 "prompt", "interrupted", "createdAt", "updatedAt")
          SELECT ${answer.id}::text, ${conversationId}::text, ${answer.parentId ?? null}::text,
                 'assistant'::"Role", ${answer.model}::text, ${answer.parameters}::jsonb,
                 ${answer.prompt}::jsonb, true, ${answerAt}, ${answerAt}
          FROM allowed
          RETURNING 1)`,
  );
  // Activity moves the conversation to the top of the list; its tools are remembered. (A new
  // one is not there for this update to see: it was made with both.)
  parts.push(Prisma.sql`touched AS (
    UPDATE "Conversation"
    SET "updatedAt" = ${at}, "tools" = COALESCE(${tools}::jsonb, "tools")
    WHERE "id" = ${conversationId} AND EXISTS (SELECT 1 FROM allowed))`);

  let rows: { room: number; allowed: number; answered: number }[];
  try {
    rows = await queryRows(
      db,
      Prisma.sql`
        WITH ${Prisma.join(parts, ", ")}
        SELECT (SELECT count(*) FROM room)::int AS "room",
               (SELECT count(*) FROM allowed)::int AS "allowed",
               (SELECT count(*) FROM answer)::int AS "answered"`,
    );
  } catch (error) {
    const code = databaseErrorCode(error);
    if (code === "23505") throw new SendRefused("id-taken");
    // The conversation or a parent went away between the read and the write.
    if (code === "23503") throw new SendRefused("gone");
    throw error;
  }
  const [result] = rows;
  if (!result?.room) throw new SendRefused("no-room");
  if (!result.allowed) throw new SendRefused("guest-allowance");
  if (!result.answered) throw new SendRefused("gone");
}

/** PostgreSQL's SQLSTATE of a failed statement, as Prisma reports it through the adapter. */
function databaseErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const meta = (error as { meta?: { code?: unknown; driverAdapterError?: unknown } }).meta;
  if (typeof meta?.code === "string") return meta.code;
  const match = /\b(23505|23503)\b/.exec(
    `${error.message} ${JSON.stringify((error as { cause?: unknown }).cause ?? "")}`,
  );
  return match?.[1];
}

// Database rows to wire shapes.

import {
  type Message,
  ModelParameters,
  TokenUsage,
  type ToolRound,
  ToolRounds,
} from "@parley/shared";
import type { z } from "zod";
import type { Db } from "../db/client.ts";
import type { Prisma } from "../db/generated/client.ts";
import { notFound } from "../errors.ts";
import { fileColumns, messageFiles } from "../files/service.ts";

/** Every message column a client sees (the recorded prompt is fetched on its own). */
export const messageColumns = {
  id: true,
  conversationId: true,
  parentId: true,
  role: true,
  content: true,
  reasoning: true,
  interrupted: true,
  truncated: true,
  error: true,
  model: true,
  parameters: true,
  usage: true,
  timeToFirstTokenMs: true,
  toolRounds: true,
  createdAt: true,
  updatedAt: true,
  files: { select: fileColumns },
} satisfies Prisma.MessageSelect;

export type MessageRow = Prisma.MessageGetPayload<{ select: typeof messageColumns }>;

export function toMessage(row: MessageRow, generationId: string | undefined): Message {
  return {
    ...row,
    parameters: parsedOrNull(ModelParameters, row.parameters),
    usage: parsedOrNull(TokenUsage, row.usage),
    generationId: generationId ?? null,
    files: messageFiles(row.files),
    toolRounds: storedRounds(row.toolRounds),
  };
}

/** A message's stored tool rounds ([] when none, or unreadable). */
export function storedRounds(value: unknown): ToolRound[] {
  return parsedOrNull(ToolRounds, value) ?? [];
}

function parsedOrNull<T>(schema: z.ZodType<T>, value: unknown): T | null {
  if (value === null || value === undefined) return null;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The owner's conversation, or NOT_FOUND (also when it is someone else's). */
export async function ownedConversation(db: Db, ownerId: string, id: string) {
  const conversation = await db.conversation.findFirst({ where: { id, ownerId } });
  if (!conversation) throw notFound("conversation");
  return conversation;
}

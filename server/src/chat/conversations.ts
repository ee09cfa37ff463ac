import type {
  Conversation,
  ConversationInfo,
  ConversationsListInput,
  ConversationsListOutput,
  CreateConversationInput,
  CreateConversationOutput,
  UpdateConversationInput,
  UsageLimits,
} from "@parley/shared";
import { ToolSelection, USAGE_LIMITS } from "@parley/shared";
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/client.ts";
import { badRequest } from "../errors.ts";
import type { ModelRegistry } from "../llm/registry.ts";
import type { GenerationRunner } from "./generations/runner.ts";
import { sqlTimestamp } from "./generations/saves.ts";
import { newId } from "./ids.ts";
import { type MessageRow, messageColumns, ownedConversation, toMessage } from "./message-rows.ts";
import {
  newConversationSetup,
  noRoomForConversation,
  requireKnownModel,
  roomForConversation,
} from "./new-conversations.ts";
import { searchConversations } from "./search.ts";
import type { SettingsService } from "./settings.ts";

/** The columns of `messageColumns` but its files (read apart), as SQL. */
const viewColumns = Prisma.join(
  Object.keys(messageColumns)
    .filter((column) => column !== "files")
    .map((column) => Prisma.raw(`"${column}"`)),
);

interface FileRow {
  messageId: string;
  sha256: string;
  name: string;
  mimeType: string;
  size: number;
}

export type ConversationService = ReturnType<typeof createConversationService>;

/** What the conversation service is built from (service.ts composes them). */
export interface ConversationDeps {
  db: Db;
  models: Pick<ModelRegistry, "route" | "list">;
  settings: Pick<SettingsService, "get">;
  runner: Pick<GenerationRunner, "writers" | "stopWhere">;
  limits: UsageLimits;
  /** `create({ fromShare })`: the caller's copy of a shared conversation (shares.ts). */
  copyShare(
    ownerId: string,
    input: NonNullable<CreateConversationInput> & { fromShare: string },
  ): Promise<CreateConversationOutput>;
}

export function createConversationService(deps: ConversationDeps) {
  const { db, models, settings, runner, limits, copyShare } = deps;

  /**
   * `ownerIsNew`: the owner was made by this same request (a visitor's first chat), so it has
   * no settings to read: one round trip fewer on the way to a first answer.
   */
  async function create(
    ownerId: string,
    input: CreateConversationInput = {},
    { ownerIsNew = false }: { ownerIsNew?: boolean } = {},
  ) {
    // "Continue this conversation" on a share: a copy of it (see shares.ts).
    if (input.fromShare) return copyShare(ownerId, { ...input, fromShare: input.fromShare });
    const { model, systemPrompt } = await newConversationSetup(
      { models, settings },
      ownerId,
      input,
      ownerIsNew,
    );
    // The limit's check and the insert in one statement (conversations are made often).
    const id = newId();
    const now = sqlTimestamp();
    const created = await db.$executeRaw`
      INSERT INTO "Conversation" ("id", "ownerId", "model", "systemPrompt", "createdAt", "updatedAt")
      SELECT ${id}, ${ownerId}, ${model}, ${systemPrompt}, ${now}::timestamp(3), ${now}::timestamp(3)
      WHERE ${roomForConversation(ownerId, limits.conversationsPerOwner)}`;
    if (created === 0) throw noRoomForConversation(limits);
    return { conversationId: id };
  }

  async function list(
    ownerId: string,
    input: ConversationsListInput = {},
  ): Promise<ConversationsListOutput> {
    const limit = input.limit ?? USAGE_LIMITS.listPageSize;
    if (input.search) {
      return searchConversations(db, ownerId, {
        search: input.search,
        limit,
        cursor: input.cursor,
      });
    }
    const after = input.cursor ? decodeCursor(input.cursor) : undefined;
    const where: Prisma.ConversationWhereInput = {
      ownerId,
      AND: [
        // Keyset pagination: pages stay put when newer conversations arrive.
        ...(after
          ? [
              {
                OR: [
                  { updatedAt: { lt: after.updatedAt } },
                  { updatedAt: after.updatedAt, id: { lt: after.id } },
                ],
              },
            ]
          : []),
      ],
    };
    const rows = await db.conversation.findMany({
      where,
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      take: limit + 1,
      select: { id: true, title: true, model: true, createdAt: true, updatedAt: true },
    });
    const items = rows.slice(0, limit).map((row) => ({ ...row, match: null }));
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }

  async function get(ownerId: string, id: string): Promise<Conversation> {
    // Running generations before the messages: one that ends meanwhile shows its saved answer
    // and a stream that replays to its end, never an unfinished answer with no stream. Each
    // pair at once (nothing is returned unless the conversation is the caller's).
    const [conversation, writers] = await Promise.all([
      ownedConversation(db, ownerId, id),
      runner.writers(ownerId),
    ]);
    const [rows, files] = await Promise.all([
      // Plain SQL: on a 1,000-message conversation Prisma's findMany took 2 to 3 times as long.
      db.$queryRaw<Omit<MessageRow, "files">[]>`
        SELECT ${viewColumns} FROM "Message" WHERE "conversationId" = ${id}
        ORDER BY "createdAt", "id"`,
      db.$queryRaw<FileRow[]>`
        SELECT mf."messageId", mf."sha256", mf."name", f."mimeType", f."size"
        FROM "MessageFile" mf
        JOIN "File" f ON f."sha256" = mf."sha256"
        JOIN "Message" m ON m."id" = mf."messageId"
        WHERE m."conversationId" = ${id}`,
    ]);
    const filesOf = new Map<string, MessageRow["files"]>();
    for (const { messageId, sha256, name, mimeType, size } of files) {
      const list = filesOf.get(messageId) ?? [];
      list.push({ messageId, sha256, name, file: { mimeType, size } });
      filesOf.set(messageId, list);
    }
    return {
      ...info(conversation),
      messages: rows.map((row) =>
        toMessage({ ...row, files: filesOf.get(row.id) ?? [] }, writers.get(row.id)),
      ),
    };
  }

  async function update(
    ownerId: string,
    input: UpdateConversationInput,
  ): Promise<ConversationInfo> {
    await ownedConversation(db, ownerId, input.id);
    if (input.model !== undefined) requireKnownModel(models, input.model);
    const conversation = await db.conversation.update({
      where: { id: input.id },
      data: {
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.model !== undefined ? { model: input.model } : {}),
        ...(input.systemPrompt !== undefined ? { systemPrompt: input.systemPrompt } : {}),
      },
    });
    return info(conversation);
  }

  async function remove(ownerId: string, id: string) {
    await ownedConversation(db, ownerId, id);
    await runner.stopWhere(ownerId, (generation) => generation.conversationId === id);
    const { count } = await db.conversation.deleteMany({ where: { id, ownerId } });
    return { deleted: count };
  }

  async function removeAll(ownerId: string) {
    await runner.stopWhere(ownerId, () => true);
    const { count } = await db.conversation.deleteMany({ where: { ownerId } });
    return { deleted: count };
  }

  return { create, list, get, update, remove, removeAll };
}

function info(conversation: {
  id: string;
  title: string;
  model: string;
  systemPrompt: string;
  tools: unknown;
  createdAt: Date;
  updatedAt: Date;
}): ConversationInfo {
  const { id, title, model, systemPrompt, createdAt, updatedAt } = conversation;
  const tools = ToolSelection.safeParse(conversation.tools);
  return {
    id,
    title,
    model,
    systemPrompt,
    tools: tools.success ? tools.data : null,
    createdAt,
    updatedAt,
  };
}

function encodeCursor(last: { updatedAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([last.updatedAt.toISOString(), last.id])).toString("base64url");
}

function decodeCursor(cursor: string): { updatedAt: Date; id: string } {
  try {
    const [updatedAt, id] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown[];
    const date = new Date(String(updatedAt));
    if (typeof id !== "string" || Number.isNaN(date.getTime())) throw new Error("bad cursor");
    return { updatedAt: date, id };
  } catch {
    throw badRequest("cursor is not one returned by conversations.list");
  }
}

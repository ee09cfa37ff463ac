// What a new chat, a share's copy and an imported conversation have in common: the limit on how
// many an owner keeps, the model one starts with, and (for the last two) a whole message tree
// written at once under new ids.

import { randomBytes } from "node:crypto";
import {
  buildTree,
  DEFAULT_SETTINGS,
  type FileRef,
  type Message,
  parentsFirst,
  type Settings,
  type UsageLimits,
} from "@parley/shared";
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/client.ts";
import { badRequest, limitReached } from "../errors.ts";
import type { ModelRegistry } from "../llm/registry.ts";
import type { SettingsService } from "./settings.ts";

/** How long writing a whole tree (a copy or an import) may hold its transaction. */
const TREE_WRITE_TIMEOUT_MS = 60_000;

/** LIMIT_REACHED when the owner already keeps as many conversations as anyone may. */
export async function requireRoomForConversation(
  { db, limits }: { db: Db; limits: Pick<UsageLimits, "conversationsPerOwner"> },
  ownerId: string,
): Promise<void> {
  const count = await db.conversation.count({ where: { ownerId } });
  if (count >= limits.conversationsPerOwner) throw noRoomForConversation(limits);
}

export function noRoomForConversation(limits: Pick<UsageLimits, "conversationsPerOwner">) {
  return limitReached(
    `You have reached the limit of ${limits.conversationsPerOwner} conversations; delete some to start new ones.`,
  );
}

/** BAD_REQUEST unless this server has the model. */
export function requireKnownModel(models: Pick<ModelRegistry, "route">, model: string): void {
  if (!models.route(model)) throw badRequest(`Unknown model "${model}".`);
}

/** SQL: the owner keeps fewer conversations than `limit`, so a statement may make one more. */
export function roomForConversation(ownerId: string, limit: number): Prisma.Sql {
  return Prisma.sql`(SELECT count(*) FROM "Conversation" WHERE "ownerId" = ${ownerId}) < ${limit}`;
}

/**
 * A new empty conversation's model and system prompt (conversations.create, or a send that
 * starts one): those asked for, else the owner's. Nothing is read for an owner made by the
 * same request; else its settings, returned too. BAD_REQUEST for a model this server lacks.
 */
export async function newConversationSetup(
  deps: { models: Pick<ModelRegistry, "route" | "list">; settings: Pick<SettingsService, "get"> },
  ownerId: string,
  wanted: { model?: string; systemPrompt?: string },
  ownerIsNew: boolean,
): Promise<{ model: string; systemPrompt: string; preferences: Settings }> {
  const preferences = ownerIsNew ? DEFAULT_SETTINGS : await deps.settings.get(ownerId);
  const model = wanted.model ?? startingModel(deps.models, preferences);
  requireKnownModel(deps.models, model);
  return { model, systemPrompt: wanted.systemPrompt ?? preferences.systemPrompt, preferences };
}

/**
 * The model a new conversation starts with: the first of `wanted` this server has, else the
 * owner's default model while this server has it, else the server's default.
 */
export function startingModel(
  models: Pick<ModelRegistry, "route" | "list">,
  preferences: Pick<Settings, "defaultModel">,
  wanted: readonly (string | null | undefined)[] = [],
): string {
  return (
    [...wanted, preferences.defaultModel].find((id): id is string =>
      Boolean(id && models.route(id)),
    ) ?? models.list().defaultModel
  );
}

/**
 * A message of a tree from elsewhere (an import, a share), linked by that source's own ids.
 * Without `updatedAt` it is stamped with the time it is written.
 */
export interface CopiedMessage
  extends Pick<
      Message,
      | "id"
      | "parentId"
      | "role"
      | "content"
      | "reasoning"
      | "interrupted"
      | "error"
      | "model"
      | "createdAt"
    >,
    Partial<Pick<Message, "parameters" | "usage" | "updatedAt" | "toolRounds" | "truncated">> {
  files: readonly Pick<FileRef, "sha256" | "name">[];
}

/**
 * Creates the conversation and its whole message tree in one transaction, the messages under
 * new ids made in the order given, and returns the conversation's id.
 */
export async function createConversationWithTree(
  db: Db,
  conversation: Prisma.ConversationUncheckedCreateInput,
  messages: readonly CopiedMessage[],
): Promise<string> {
  const nextId = idMaker();
  const ids = new Map(messages.map((message) => [message.id, nextId()]));
  const newId = (id: string) => ids.get(id) ?? id;
  const tree = buildTree(messages);
  // A message whose parent is missing (or loops back to it) is a root, as the tree says.
  const newParentId = (id: string) => {
    const parentId = tree.parentOf(id);
    return parentId === null ? null : newId(parentId);
  };
  const files = messages.flatMap((message) =>
    message.files.map((file) => ({
      messageId: newId(message.id),
      sha256: file.sha256,
      name: file.name,
    })),
  );
  // A whole tree (an import of thousands of messages) may outlast Prisma's 5 s transaction
  // timeout on a busy machine, which is no reason to fail the import.
  return db.$transaction(
    async (tx) => {
      const created = await tx.conversation.create({ data: conversation, select: { id: true } });
      // One statement for the whole tree (a 1,000-message import is one round trip, not 1,000),
      // parents first so each row's parent exists when it is inserted whatever the batching.
      await tx.message.createMany({
        data: parentsFirst(tree).map((message) => ({
          id: newId(message.id),
          conversationId: created.id,
          parentId: newParentId(message.id),
          role: message.role,
          content: message.content,
          reasoning: message.reasoning,
          interrupted: message.interrupted,
          truncated: message.truncated,
          error: message.error,
          model: message.model,
          parameters: (message.parameters ?? undefined) as Prisma.InputJsonObject | undefined,
          usage: (message.usage ?? undefined) as Prisma.InputJsonObject | undefined,
          toolRounds: message.toolRounds?.length
            ? (message.toolRounds as Prisma.InputJsonArray)
            : undefined,
          createdAt: message.createdAt,
          updatedAt: message.updatedAt,
        })),
      });
      // The new owner may read the attachments of their conversation.
      if (files.length > 0) await tx.messageFile.createMany({ data: files, skipDuplicates: true });
      return created.id;
    },
    { timeout: TREE_WRITE_TIMEOUT_MS },
  );
}

/**
 * New message ids in the order they are made. Siblings stamped with the same time are ordered
 * by id, so ids that sort as they are made keep the order given for them.
 */
function idMaker(): () => string {
  const prefix = `c${randomBytes(8).toString("hex")}`;
  let count = 0;
  return () => {
    count += 1;
    return `${prefix}${count.toString(36).padStart(8, "0")}`;
  };
}

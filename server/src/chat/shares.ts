// Share links: a read-only snapshot of a conversation (its whole tree and the branch the sharer
// was on) under a short public id, and copies of it ("continue this conversation") owned by
// whoever opens it.

import { createHash } from "node:crypto";
import {
  buildTree,
  type Conversation,
  type CreateConversationInput,
  type CreateConversationOutput,
  newestBranch,
  type RevokeShareOutput,
  SharedConversation,
  SharedMessage,
  type ShareInput,
  type ShareOutput,
  type SharesListOutput,
  ToolRounds,
  type UsageLimits,
} from "@parley/shared";
import { nanoid } from "nanoid";
import { z } from "zod";
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/client.ts";
import { badRequest, DomainError, limitReached, notFound } from "../errors.ts";
import type { ModelRegistry } from "../llm/registry.ts";
import {
  createConversationWithTree,
  requireRoomForConversation,
  startingModel,
} from "./new-conversations.ts";
import type { SettingsService } from "./settings.ts";

const SHARE_ID_LENGTH = 7;
/** 64^7 ids make a collision rare; a few draws make a failure to find a free one unheard of. */
const SHARE_ID_ATTEMPTS = 5;

/** A snapshot as stored in Share.snapshot (JSON, so dates come back as strings). */
const StoredSnapshot = SharedConversation.pick({ title: true, model: true, leafId: true }).extend({
  messages: z.array(
    // Shares made before tools have no toolRounds; before truncation, no truncated.
    SharedMessage.extend({
      createdAt: z.coerce.date(),
      toolRounds: ToolRounds.default([]),
      truncated: z.boolean().default(false),
    }),
  ),
});
type Snapshot = z.infer<typeof StoredSnapshot>;

export type ShareService = ReturnType<typeof createShareService>;

/** What the share service is built from (service.ts composes them). */
export interface ShareDeps {
  db: Db;
  limits: Pick<UsageLimits, "sharesPerOwner">;
  /** The owner's conversation as the app shows it (conversations.ts). */
  conversations: { get(ownerId: string, id: string): Promise<Conversation> };
}

export function createShareService(deps: ShareDeps) {
  const { db, conversations } = deps;

  async function share(ownerId: string, input: ShareInput): Promise<ShareOutput> {
    const conversation = await conversations.get(ownerId, input.id);
    if (conversation.messages.length === 0) {
      throw badRequest("There is nothing to share yet: send a message first.");
    }
    // A half-written answer would be shared as it stands now and change right after.
    if (conversation.messages.some((message) => message.generationId !== null)) {
      throw new DomainError("conflict", "An answer is still being written; share once it is done.");
    }
    const snapshot = snapshotOf(conversation, input.leafId, input.includeTools ?? true);
    const contentHash = hashOf(conversation.id, snapshot);
    const key = { ownerId_contentHash: { ownerId, contentHash } };

    const existing = await db.share.findUnique({
      where: key,
      select: { id: true, revokedAt: true },
    });
    if (existing && !existing.revokedAt) return { shareId: existing.id };
    const kept = await db.share.count({ where: { ownerId, revokedAt: null } });
    if (kept >= deps.limits.sharesPerOwner) {
      throw limitReached(
        `You have ${kept} share links, the most you may keep: revoke some you no longer need (Settings → Shared links), then share again.`,
      );
    }
    // A revoked link stays dead (it may have reached the wrong people): the same content shared
    // again gets a new link.
    if (existing) {
      await db.share.deleteMany({ where: { id: existing.id, revokedAt: { not: null } } });
    }

    // Each file once, under the first name the snapshot shows for it.
    const files = new Map<string, string>();
    for (const file of snapshot.messages.flatMap((message) => message.files)) {
      if (!files.has(file.sha256)) files.set(file.sha256, file.name);
    }
    for (let attempt = 0; attempt < SHARE_ID_ATTEMPTS; attempt++) {
      const id = nanoid(SHARE_ID_LENGTH);
      try {
        await db.$transaction(async (tx) => {
          await tx.share.create({
            data: {
              id,
              ownerId,
              conversationId: conversation.id,
              contentHash,
              snapshot: JSON.parse(JSON.stringify(snapshot)) as Prisma.InputJsonObject,
            },
          });
          // Viewers of the share may download these (GET /files/:sha256?share=id).
          await tx.shareFile.createMany({
            data: [...files].map(([sha256, name]) => ({ shareId: id, sha256, name })),
          });
        });
        return { shareId: id };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // The same content shared at the same moment (another tab): that share is this one.
        const raced = await db.share.findUnique({ where: key, select: { id: true } });
        if (raced) return { shareId: raced.id };
        // Otherwise the id was taken: draw another.
      }
    }
    throw new Error(`no free share id after ${SHARE_ID_ATTEMPTS} attempts`);
  }

  /** Anyone with the id may read a share, until its owner revokes it. */
  async function get(shareId: string): Promise<SharedConversation> {
    const row = await db.share.findUnique({ where: { id: shareId } });
    if (!row || row.revokedAt) throw notFound("share");
    return { shareId: row.id, createdAt: row.createdAt, ...StoredSnapshot.parse(row.snapshot) };
  }

  async function list(ownerId: string): Promise<SharesListOutput> {
    // Read only the title and size out of each snapshot, not whole trees.
    const rows = await db.$queryRaw<
      {
        id: string;
        conversationId: string | null;
        createdAt: Date | string;
        title: string | null;
        messageCount: number | bigint;
      }[]
    >`
      SELECT "id", "conversationId", "createdAt",
        "snapshot"->>'title' AS "title",
        jsonb_array_length("snapshot"->'messages') AS "messageCount"
      FROM "Share"
      WHERE "ownerId" = ${ownerId} AND "revokedAt" IS NULL
      ORDER BY "createdAt" DESC, "id" DESC`;
    return {
      shares: rows.map((row) => ({
        shareId: row.id,
        conversationId: row.conversationId,
        createdAt: new Date(row.createdAt),
        title: row.title ?? "",
        messageCount: Number(row.messageCount),
      })),
    };
  }

  async function revoke(ownerId: string, shareId: string): Promise<RevokeShareOutput> {
    const revokedAt = new Date();
    const { count } = await db.$transaction(async (tx) => {
      const revoked = await tx.share.updateMany({
        where: { id: shareId, ownerId, revokedAt: null },
        data: { revokedAt },
      });
      // Nobody may download through it any more; the files stay for their other users.
      if (revoked.count > 0) await tx.shareFile.deleteMany({ where: { shareId } });
      return revoked;
    });
    if (count === 0) throw notFound("share");
    return { shareId, revokedAt };
  }

  return { share, get, list, revoke };
}

/**
 * `conversations.create({ fromShare })`: a copy of the shared conversation owned by `ownerId`
 * (new ids, the same tree and attachments), or the copy they made before if it still exists.
 */
export async function cloneShare(
  deps: {
    db: Db;
    models: Pick<ModelRegistry, "route" | "list">;
    settings: Pick<SettingsService, "get">;
    limits: Pick<UsageLimits, "conversationsPerOwner">;
  },
  ownerId: string,
  input: NonNullable<CreateConversationInput> & { fromShare: string },
): Promise<CreateConversationOutput> {
  const { db, models, settings } = deps;
  const share = await db.share.findUnique({ where: { id: input.fromShare } });
  if (!share || share.revokedAt) throw notFound("share");
  const clone = { ownerId_fromShareId: { ownerId, fromShareId: share.id } };
  const earlier = await db.conversation.findUnique({ where: clone, select: { id: true } });
  if (earlier) return { conversationId: earlier.id };

  await requireRoomForConversation(deps, ownerId);
  const snapshot = StoredSnapshot.parse(share.snapshot);
  if (input.model !== undefined && !models.route(input.model)) {
    throw badRequest(`Unknown model "${input.model}".`);
  }
  const preferences = await settings.get(ownerId);
  // The share's model when this server still has it, else the owner's default, as for a new chat.
  const model = startingModel(models, preferences, [input.model, snapshot.model]);

  // Strictly increasing times keep the snapshot's order, which is the tree's sibling order.
  let previous = 0;
  const messages = snapshot.messages.map((message) => {
    previous = Math.max(message.createdAt.getTime(), previous + 1);
    return { ...message, createdAt: new Date(previous) };
  });

  try {
    const conversationId = await createConversationWithTree(
      db,
      {
        ownerId,
        model,
        title: snapshot.title,
        systemPrompt: input.systemPrompt ?? preferences.systemPrompt,
        fromShareId: share.id,
      },
      messages,
    );
    return { conversationId };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // "Continue" pressed twice at once: the other request made the copy.
    const made = await db.conversation.findUnique({ where: clone, select: { id: true } });
    if (!made) throw error;
    return { conversationId: made.id };
  }
}

/** What a share says of an answer that failed, whatever the provider said. */
export const SHARED_ANSWER_ERROR = "The answer failed.";

/**
 * The conversation as a share shows it. Ids are renumbered (m1, m2, … in tree order) so the
 * snapshot names nothing of the owner's; the leaf is `leafId`, followed down to the end of its
 * branch, or the newest branch.
 */
function snapshotOf(
  conversation: Conversation,
  leafId: string | undefined,
  includeTools: boolean,
): Snapshot {
  const ids = new Map(conversation.messages.map((message, index) => [message.id, `m${index + 1}`]));
  if (leafId !== undefined && !ids.has(leafId)) throw notFound("message");
  // Messages come in tree order (createdAt, id), so the last of siblings is the newest.
  const leaf = newestBranch(buildTree(conversation.messages), leafId).at(-1)?.id;
  if (leaf === undefined) throw new Error("a conversation with messages has a leaf");

  const rename = (id: string) => ids.get(id) ?? id;
  return {
    title: conversation.title,
    model: conversation.model,
    leafId: rename(leaf),
    // Parsing keeps exactly the fields a share shows and drops the rest.
    messages: conversation.messages.map((message) =>
      SharedMessage.parse({
        ...message,
        id: rename(message.id),
        parentId: message.parentId === null ? null : rename(message.parentId),
        // The provider's own words may name hosts or key fragments: public viewers get none.
        error: message.error === null ? null : SHARED_ANSWER_ERROR,
        ...(includeTools ? {} : { toolRounds: [] }),
      }),
    ),
  };
}

/**
 * SHA-256 of the conversation's id and the snapshot as canonical JSON (keys sorted): the same
 * conversation shared unchanged gives the same hash, and so the same link. The id keeps two
 * conversations that read alike (a copy of a share) apart, as each share names its conversation.
 */
function hashOf(conversationId: string, snapshot: Snapshot): string {
  return createHash("sha256")
    .update(canonicalJson([conversationId, snapshot]))
    .digest("hex");
}

function canonicalJson(value: unknown): string {
  // The replacer sees dates already turned into ISO strings (toJSON runs first).
  return JSON.stringify(value, (_key, each: unknown) =>
    each && typeof each === "object" && !Array.isArray(each)
      ? Object.fromEntries(Object.entries(each).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : each,
  );
}

function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code === "P2002";
  // The PGlite adapter passes PostgreSQL's own error through: unique_violation is 23505.
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return cause?.code === "23505";
}

/** Missing and revoked look the same: a revoked link tells nothing. */

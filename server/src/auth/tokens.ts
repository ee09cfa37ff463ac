import type { ApiTokenInfo, CreateTokenInput } from "@parley/shared";
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import { randomSecret, sha256 } from "./hash.ts";
import type { CachedCaller, CallerCache } from "./session-cache.ts";

export const TOKEN_PREFIX = "parley_";
/** API tokens one account may hold: plenty for scripts, a bound on a runaway loop. */
export const TOKENS_PER_USER = 100;
const DAY_MS = 86_400_000;
// Writing lastUsedAt on every request would turn reads into writes; a minute's precision is enough.
const LAST_USED_PRECISION_MS = 60_000;

const infoFields = {
  id: true,
  name: true,
  prefix: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
} as const;

/** Personal API tokens for scripts: the secret is shown once, only its SHA-256 is stored. */
export function createTokenService(
  db: Db,
  options: { callers?: CallerCache; clock?: () => Date } = {},
) {
  const clock = options.clock ?? (() => new Date());
  return {
    async create(userId: string, input: CreateTokenInput) {
      if ((await db.apiToken.count({ where: { userId } })) >= TOKENS_PER_USER) {
        throw new DomainError(
          "forbidden",
          `You have ${TOKENS_PER_USER} API tokens, the most an account may have: revoke one you no longer use first.`,
        );
      }
      const secret = `${TOKEN_PREFIX}${randomSecret()}`;
      const expiresAt = input.expiresInDays
        ? new Date(clock().getTime() + input.expiresInDays * DAY_MS)
        : null;
      const token: ApiTokenInfo = await db.apiToken.create({
        data: {
          userId,
          name: input.name,
          secretHash: sha256(secret),
          prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
          expiresAt,
        },
        select: infoFields,
      });
      return { token, secret };
    },

    list(userId: string): Promise<ApiTokenInfo[]> {
      return db.apiToken.findMany({
        where: { userId },
        orderBy: { createdAt: "desc" },
        select: infoFields,
      });
    },

    async revoke(userId: string, id: string) {
      const { count } = await db.apiToken.deleteMany({ where: { id, userId } });
      options.callers?.forget({ token: id });
      if (count === 0) throw new DomainError("not_found", "No such token");
    },

    /** Who a bearer secret is, or null when it is unknown, revoked or expired. */
    async authenticate(secret: string): Promise<CachedCaller | null> {
      if (!secret.startsWith(TOKEN_PREFIX)) return null;
      const token = await db.apiToken.findUnique({
        where: { secretHash: sha256(secret) },
        include: { user: true },
      });
      const now = clock();
      if (!token || (token.expiresAt && token.expiresAt <= now)) return null;
      if (
        !token.lastUsedAt ||
        now.getTime() - token.lastUsedAt.getTime() > LAST_USED_PRECISION_MS
      ) {
        await db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: now } });
      }
      const { id, email, name, guest } = token.user;
      return { user: { id, email, name, guest }, expiresAt: token.expiresAt, rowId: token.id };
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;

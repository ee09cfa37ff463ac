import { randomUUID } from "node:crypto";
import type {
  AuthMeOutput,
  PublicUser,
  SessionInfo,
  SignInInput,
  SignUpInput,
} from "@parley/shared";
import { generateIdFromEntropySize } from "lucia";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/client.ts";
import { executeStatement } from "../db/statements.ts";
import { DomainError } from "../errors.ts";
import { sha256 } from "./hash.ts";
import { type Auth, SESSION_LIFETIME_MS } from "./lucia.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import type { CallerCache } from "./session-cache.ts";
import type { TokenService } from "./tokens.ts";

/** Who is calling: a signed-in user, a guest, or nobody yet. */
export interface Caller {
  user: CallerUser | null;
  /** The raw id of the cookie session, when the caller has one. */
  sessionId: string | null;
  via: "cookie" | "token" | null;
}

export interface CallerUser extends PublicUser {
  guest: boolean;
}

/** What a request tells about its client, kept with its session. */
export interface ClientMeta {
  ip: string;
  userAgent: string | null;
}

/** The rate limits that guard sign-in, sign-up and new guests. */
export interface IdentityThrottle {
  /** Throws TOO_MANY_REQUESTS when this email or IP has tried too often. */
  checkSignInLimits(attempt: { email: string; ip: string }): Promise<void>;
  /** Throws TOO_MANY_REQUESTS when this IP made too many accounts lately. */
  checkSignUpLimit(ip: string): Promise<void>;
  /** Throws TOO_MANY_REQUESTS when this IP made too many guests lately. */
  checkGuestLimit(ip: string): Promise<void>;
}

/** A guest made for a visitor, whose rows are not written yet (see prepareGuest). */
export interface NewGuest {
  user: CallerUser;
  /** Its user and session, as parts of a statement's WITH (its user counts `messagesSent`). */
  rows(messagesSent: number): Prisma.Sql[];
  /** Its rows are written: its session is known here; returns the cookie that carries it. */
  saved(): string;
}

const WRONG_CREDENTIALS = "Wrong email or password";

export function createIdentityService(deps: {
  db: Db;
  auth: Auth;
  tokens: TokenService;
  identity: Config["identity"];
  throttle: IdentityThrottle;
  /** Who recent cookies are, so most requests read nothing to know their caller. */
  callers: CallerCache;
  /** Moves what a guest made to the account it signs in to (the chat service's). */
  adoptGuestChats(tx: Prisma.TransactionClient, guestId: string, userId: string): Promise<void>;
}) {
  const { db, auth, tokens, identity, callers } = deps;

  const toCaller = (user: {
    id: string;
    email: string | null;
    name: string | null;
    guest: boolean;
  }) => ({
    id: user.id,
    email: user.email,
    name: user.name,
    guest: user.guest,
    admin: !user.guest && !!user.email && identity.adminEmails.includes(user.email),
  });

  const startSession = async (userId: string, meta: ClientMeta) => {
    const session = await auth.createSession(userId, { ip: meta.ip, userAgent: meta.userAgent });
    return auth.createSessionCookie(session.id).serialize();
  };

  /** Gives a guest's conversations, shares and settings to an account, then removes the guest. */
  const adoptGuest = (guestId: string, userId: string) =>
    db
      .$transaction(async (tx) => {
        const guest = await tx.user.findUnique({ where: { id: guestId }, select: { guest: true } });
        if (!guest?.guest) return;
        await deps.adoptGuestChats(tx, guestId, userId);
        await tx.user.delete({ where: { id: guestId } });
      })
      .then(() => callers.forget({ user: guestId }));

  /** Signs a known user in on this client: adopts the caller's guest data, returns the cookie. */
  const signInUser = async (userId: string, caller: Caller, meta: ClientMeta) => {
    if (caller.user?.guest && caller.user.id !== userId) await adoptGuest(caller.user.id, userId);
    else if (caller.sessionId) await endSession(caller.sessionId);
    return startSession(userId, meta);
  };

  const endSession = async (sessionId: string) => {
    await auth.invalidateSession(sessionId);
    callers.forget({ session: sha256(sessionId) });
  };

  /**
   * A guest account with its own session, for a caller who chats without signing in, not yet
   * written: its rows go into whichever statement writes first (startGuest's own, or a first
   * message's), so a visitor whose first request is refused leaves nothing behind.
   */
  async function prepareGuest(meta: ClientMeta): Promise<NewGuest> {
    if (identity.requireLogin) {
      throw new DomainError("unauthorized", "Sign in to chat");
    }
    await deps.throttle.checkGuestLimit(meta.ip);
    const userId = randomUUID();
    const sessionId = generateIdFromEntropySize(25);
    const rowId = sha256(sessionId);
    const now = new Date().toISOString();
    const expiresAt = new Date(Date.now() + SESSION_LIFETIME_MS);
    const user = { id: userId, email: null, name: null, guest: true };
    return {
      user: toCaller(user),
      // ON CONFLICT: the same guest written twice (two calls of one batch) is written once.
      rows: (messagesSent) => [
        Prisma.sql`guest_user AS (
          INSERT INTO "User" ("id", "guest", "messagesSent", "createdAt", "updatedAt")
          VALUES (${userId}::text, true, ${messagesSent}::int, ${now}::timestamp(3), ${now}::timestamp(3))
          ON CONFLICT DO NOTHING
          RETURNING "id")`,
        Prisma.sql`guest_session AS (
          INSERT INTO "Session" ("id", "userId", "expiresAt", "createdAt", "lastSeenAt", "userAgent", "ip")
          SELECT ${rowId}::text, "id", ${expiresAt.toISOString()}::timestamp(3), ${now}::timestamp(3),
                 ${now}::timestamp(3), ${meta.userAgent}::text, ${meta.ip}::text
          FROM guest_user)`,
      ],
      saved: () => {
        callers.set(rowId, { user, expiresAt, rowId });
        return auth.createSessionCookie(sessionId).serialize();
      },
    };
  }

  /** Writes a prepared guest on its own: its user and session in one statement. */
  async function saveGuest(guest: Pick<NewGuest, "rows">): Promise<void> {
    await executeStatement(db, Prisma.sql`WITH ${Prisma.join(guest.rows(0), ", ")} SELECT 1`);
  }

  return {
    toCaller,
    signInUser,

    /**
     * Reads the caller from a request's headers. A bearer token that is unknown, revoked or
     * expired is UNAUTHORIZED; a cookie that is invalid reads as nobody and is cleared.
     */
    async authenticate(headers: { cookie?: string; authorization?: string }) {
      const bearer = headers.authorization ? auth.readBearerToken(headers.authorization) : null;
      if (headers.authorization) {
        const key = bearer ? `token:${sha256(bearer)}` : "";
        let user = callers.get(key)?.user;
        if (!user && bearer) {
          const found = await callers.once(
            key,
            () => tokens.authenticate(bearer),
            (read) => read ?? undefined,
          );
          user = found?.user;
        }
        if (!user) {
          throw new DomainError("unauthorized", "Invalid or revoked API token");
        }
        return { caller: { user: toCaller(user), sessionId: null, via: "token" } as Caller };
      }
      const sessionId = headers.cookie ? auth.readSessionCookie(headers.cookie) : null;
      if (!sessionId) return { caller: { user: null, sessionId: null, via: null } as Caller };
      const key = sha256(sessionId);
      const cached = callers.get(key);
      // In the second half of its life, Lucia extends a session: that needs the database.
      if (cached?.expiresAt && cached.expiresAt.getTime() - Date.now() > SESSION_LIFETIME_MS / 2) {
        const caller: Caller = { user: toCaller(cached.user), sessionId, via: "cookie" };
        return { caller };
      }
      // Read and remembered once for every request that is waiting for it, as for a token.
      const { session, user } = await callers.once(
        key,
        () => auth.validateSession(sessionId),
        (validated) =>
          validated.session && validated.user
            ? {
                user: {
                  id: validated.user.id,
                  email: validated.user.email,
                  name: validated.user.name,
                  guest: validated.user.guest,
                },
                expiresAt: validated.session.expiresAt,
                rowId: key,
              }
            : undefined,
      );
      if (!session || !user) {
        const cleared = auth.createBlankSessionCookie().serialize();
        return { caller: { user: null, sessionId: null, via: null } as Caller, setCookie: cleared };
      }
      const refreshed = session.fresh
        ? auth.createSessionCookie(session.id).serialize()
        : undefined;
      const caller: Caller = {
        user: toCaller({ ...user, email: user.email, name: user.name, guest: user.guest }),
        sessionId: session.id,
        via: "cookie",
      };
      return { caller, setCookie: refreshed };
    },

    prepareGuest,

    saveGuest,

    /** A guest account with its own session, written now. */
    async startGuest(meta: ClientMeta) {
      const guest = await prepareGuest(meta);
      await saveGuest(guest);
      return { user: guest.user, cookie: guest.saved() };
    },

    async signUp(input: SignUpInput, caller: Caller, meta: ClientMeta) {
      if (!identity.allowSignup) {
        throw new DomainError("forbidden", "Sign-up is closed on this server");
      }
      await deps.throttle.checkSignUpLimit(meta.ip);
      const existing = await db.user.findUnique({ where: { email: input.email } });
      if (existing) {
        throw new DomainError("conflict", "An account with this email already exists");
      }
      const user = await db.user.create({
        data: {
          email: input.email,
          name: input.name ?? null,
          passwordHash: await hashPassword(input.password),
        },
      });
      return { user: toCaller(user), cookie: await signInUser(user.id, caller, meta) };
    },

    async signIn(input: SignInInput, caller: Caller, meta: ClientMeta) {
      await deps.throttle.checkSignInLimits({ email: input.email, ip: meta.ip });
      const user = await db.user.findUnique({ where: { email: input.email } });
      // Unknown email and wrong password do the same work and get the same answer.
      const valid = await verifyPassword(user?.passwordHash, input.password);
      if (!user || !valid) throw new DomainError("unauthorized", WRONG_CREDENTIALS);
      return { user: toCaller(user), cookie: await signInUser(user.id, caller, meta) };
    },

    async signOut(caller: Caller) {
      if (caller.sessionId) await endSession(caller.sessionId);
      return auth.createBlankSessionCookie().serialize();
    },

    async sessions(caller: Caller & { user: CallerUser }): Promise<SessionInfo[]> {
      const current = caller.sessionId ? sha256(caller.sessionId) : null;
      const rows = await db.session.findMany({
        where: { userId: caller.user.id, expiresAt: { gt: new Date() } },
        orderBy: { lastSeenAt: "desc" },
      });
      return rows.map((row) => ({
        id: row.id,
        createdAt: row.createdAt,
        lastSeenAt: row.lastSeenAt,
        expiresAt: row.expiresAt,
        userAgent: row.userAgent,
        ip: row.ip,
        current: row.id === current,
      }));
    },

    async revokeSession(userId: string, id: string) {
      const { count } = await db.session.deleteMany({ where: { id, userId } });
      callers.forget({ session: id });
      if (count === 0) throw new DomainError("not_found", "No such session");
    },

    async me(caller: Caller): Promise<AuthMeOutput> {
      const features = {
        requireLogin: identity.requireLogin,
        allowSignup: identity.allowSignup,
        oidc: identity.oidc !== undefined,
      };
      const user = caller.user;
      if (user && !user.guest) {
        const { guest: _guest, ...account } = user;
        return { user: account, guest: false, guestMessagesLeft: null, features };
      }
      const limit = identity.requireLogin ? 0 : identity.guestMessageLimit;
      const sent = user
        ? ((await db.user.findUnique({ where: { id: user.id } }))?.messagesSent ?? 0)
        : 0;
      return {
        user: null,
        guest: !identity.requireLogin,
        guestMessagesLeft: limit === 0 && !identity.requireLogin ? null : Math.max(0, limit - sent),
        features,
      };
    },

    /**
     * How many messages `user` may send in all: GUEST_MESSAGE_LIMIT for a guest, undefined
     * (not counted) for an account or when guests are unlimited. The send checks and counts in
     * its own write, so concurrent sends cannot overshoot.
     */
    guestLimit(user: CallerUser): number | undefined {
      const limit = identity.guestMessageLimit;
      return user.guest && limit > 0 ? limit : undefined;
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;

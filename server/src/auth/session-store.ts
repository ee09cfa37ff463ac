import type { Adapter, DatabaseSession, DatabaseUser } from "lucia";
import type { Db } from "../db/client.ts";
import { sha256 } from "./hash.ts";

/**
 * How stale a session's lastSeenAt may get: it says when a guest was last active (idle guests are
 * removed), and writing it on every request would turn reads into writes.
 */
const LAST_SEEN_PRECISION_MS = 60 * 60_000;

/**
 * Lucia v3's adapter over our Prisma client. Lucia hands it the raw session id (the cookie's
 * value); only its SHA-256 is stored and looked up, so the table holds no usable cookie.
 */
export function createSessionStore(db: Db): Adapter {
  const toSession = (row: {
    id: string;
    userId: string;
    expiresAt: Date;
    userAgent: string | null;
    ip: string | null;
  }): DatabaseSession => ({
    id: row.id,
    userId: row.userId,
    expiresAt: row.expiresAt,
    attributes: { userAgent: row.userAgent, ip: row.ip },
  });
  return {
    async getSessionAndUser(sessionId) {
      const row = await db.session.findUnique({
        where: { id: sha256(sessionId) },
        include: { user: true },
      });
      if (!row) return [null, null];
      if (Date.now() - row.lastSeenAt.getTime() > LAST_SEEN_PRECISION_MS) {
        await db.session.updateMany({ where: { id: row.id }, data: { lastSeenAt: new Date() } });
      }
      const user: DatabaseUser = {
        id: row.user.id,
        attributes: { email: row.user.email, name: row.user.name, guest: row.user.guest },
      };
      // Lucia compares against the id it was given, so hand back the raw one.
      return [{ ...toSession(row), id: sessionId }, user];
    },
    async getUserSessions(userId) {
      const rows = await db.session.findMany({ where: { userId } });
      return rows.map(toSession);
    },
    async setSession(session) {
      await db.session.create({
        data: {
          id: sha256(session.id),
          userId: session.userId,
          expiresAt: session.expiresAt,
          userAgent: session.attributes.userAgent,
          ip: session.attributes.ip,
        },
      });
    },
    async updateSessionExpiration(sessionId, expiresAt) {
      await db.session.updateMany({
        where: { id: sha256(sessionId) },
        data: { expiresAt, lastSeenAt: new Date() },
      });
    },
    async deleteSession(sessionId) {
      await db.session.deleteMany({ where: { id: sha256(sessionId) } });
    },
    async deleteUserSessions(userId) {
      await db.session.deleteMany({ where: { userId } });
    },
    async deleteExpiredSessions() {
      await db.session.deleteMany({ where: { expiresAt: { lte: new Date() } } });
    },
  };
}

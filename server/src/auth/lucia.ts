import { Lucia, TimeSpan } from "lucia";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import { createSessionStore } from "./session-store.ts";

export const SESSION_COOKIE = "parley_session";
/** Sessions last 30 days, extended when used in the second half of their life. */
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

export function createLucia(db: Db, identity: Config["identity"]) {
  return new Lucia(createSessionStore(db), {
    // Sliding expiry: Lucia extends a session used in the second half of its life.
    sessionExpiresIn: new TimeSpan(SESSION_LIFETIME_MS / 1000, "s"),
    sessionCookie: {
      name: SESSION_COOKIE,
      expires: true,
      attributes: { secure: identity.secureCookies, sameSite: "lax" },
    },
    getUserAttributes: (attributes) => attributes,
  });
}

export type Auth = ReturnType<typeof createLucia>;

declare module "lucia" {
  interface Register {
    Lucia: Auth;
    DatabaseUserAttributes: { email: string | null; name: string | null; guest: boolean };
    DatabaseSessionAttributes: { userAgent: string | null; ip: string | null };
  }
}

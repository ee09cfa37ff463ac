import { STATUS_CODES } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { IdentityService } from "../auth/identity.ts";
import { createOidcService, OidcError, PENDING_SIGN_IN_MS } from "../auth/oidc.ts";
import type { PendingSignIns } from "../auth/pending-sign-ins.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import type { RateLimits } from "../limits/index.ts";
import { rateLimitHook } from "./rate-limit.ts";

/** Ties a started sign-in to the browser that started it; holds a random id, nothing secret. */
const BROWSER_COOKIE = "parley_oidc";

/**
 * GET /auth/oidc/login?callback=… sends the browser to the provider; GET /auth/oidc/callback
 * takes it back, signs the person in (a guest's chats move to the account) and redirects to the
 * callback. Refusals are a short page for browsers and Fastify's error JSON for everyone else.
 */
export function registerOidcRoutes(
  app: FastifyInstance,
  deps: {
    config: Config;
    db: Db;
    identity: IdentityService;
    limits: RateLimits;
    pending?: PendingSignIns;
  },
) {
  const oidc = createOidcService(deps);
  const secure = deps.config.identity.secureCookies;
  const home = deps.config.publicUrl;

  // Starting a sign-in costs a provider round trip and a pending entry: limit it like sign-ins.
  const limited = { preHandler: rateLimitHook(deps.limits.signInPerIp, (request) => request.ip) };

  app.get("/auth/oidc/login", limited, async (request, reply) => {
    const { callback } = request.query as { callback?: unknown };
    try {
      const started = await oidc.start(
        typeof callback === "string" ? callback : undefined,
        readCookie(request, BROWSER_COOKIE),
      );
      return reply
        .header("cache-control", "no-store")
        .header("set-cookie", browserCookie(started.browser, secure))
        .redirect(started.location, 302);
    } catch (error) {
      return refuse(request, reply, error, home);
    }
  });

  app.get("/auth/oidc/callback", async (request, reply) => {
    try {
      // Only the session cookie counts here: this is a browser arriving from the provider.
      const { caller } = await deps.identity.authenticate({ cookie: request.headers.cookie });
      const signedIn = await oidc.finish(
        new URL(request.url, "http://parley.invalid").search,
        readCookie(request, BROWSER_COOKIE),
        caller,
        { ip: request.ip, userAgent: request.headers["user-agent"] ?? null },
      );
      return reply
        .header("cache-control", "no-store")
        .header("set-cookie", signedIn.cookie)
        .redirect(signedIn.location, 302);
    } catch (error) {
      return refuse(request, reply, error, home);
    }
  });
}

function browserCookie(value: string, secure: boolean) {
  const maxAge = PENDING_SIGN_IN_MS / 1000;
  return `${BROWSER_COOKIE}=${value}; Path=/auth/oidc; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

function readCookie(request: FastifyRequest, name: string) {
  for (const pair of (request.headers.cookie ?? "").split(";")) {
    const [key, ...value] = pair.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

/** Answers an OidcError with its status; anything else is ours to fix and goes to Fastify. */
function refuse(request: FastifyRequest, reply: FastifyReply, error: unknown, home: string) {
  if (!(error instanceof OidcError)) throw error;
  // The cause's name and message only: provider answers can carry personal claims.
  const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : null;
  request.log[error.status === 502 ? "warn" : "info"](
    { status: error.status, cause },
    `OIDC sign-in refused: ${error.message}`,
  );
  reply.code(error.status).header("cache-control", "no-store");
  const title = STATUS_CODES[error.status] ?? "Error";
  if (!request.headers.accept?.includes("text/html")) {
    return reply.send({ statusCode: error.status, error: title, message: error.message });
  }
  return reply.type("text/html; charset=utf-8").send(`<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in failed · Parley</title>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">
<h1>Sign-in failed</h1>
<p>${escapeHtml(error.message)}</p>
<p><a href="${escapeHtml(home)}">Back to Parley</a></p>
</body>
</html>
`);
}

function escapeHtml(text: string) {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

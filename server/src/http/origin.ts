import type { FastifyInstance, FastifyRequest } from "fastify";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF defence: a state-changing request that carries cookies must come from our own origin
 * (PUBLIC_URL's, or the Host it was sent to, which covers the dev proxy). Requests with a bearer
 * token carry no ambient credentials and pass; GET requests have no side effects.
 */
export function isForgeable(request: FastifyRequest, publicUrl: string) {
  if (SAFE_METHODS.has(request.method)) return false;
  if (request.headers.authorization || !request.headers.cookie) return false;
  return !isSameOrigin(request, new URL(publicUrl).origin);
}

export const CROSS_ORIGIN_MESSAGE = "Cross-origin request refused";

/** Applies the check to the plain HTTP routes; tRPC applies it in its context (a 403 there). */
export function registerOriginCheck(app: FastifyInstance, publicUrl: string) {
  app.addHook("onRequest", async (request, reply) => {
    if (request.url.startsWith("/trpc/") || !isForgeable(request, publicUrl)) return;
    request.log.warn({ origin: request.headers.origin }, "refused a cross-origin request");
    return reply.code(403).send({ error: "Forbidden", message: CROSS_ORIGIN_MESSAGE });
  });
}

function isSameOrigin(request: FastifyRequest, publicOrigin: string) {
  const origin = request.headers.origin;
  if (origin) {
    return origin === publicOrigin || origin === `${request.protocol}://${request.headers.host}`;
  }
  // Browsers without Origin still say where a request came from.
  const site = request.headers["sec-fetch-site"];
  return site === undefined || site === "same-origin" || site === "none";
}

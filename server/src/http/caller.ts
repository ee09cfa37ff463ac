// Who is calling: one answer for every route, tRPC's context and the plain HTTP routes alike
// (/files, /imports, the chat API). A session cookie (a refreshed or cleared cookie is passed on
// to the reply) or a Bearer API token; a visitor with neither may become a guest.

import type { FastifyReply, FastifyRequest } from "fastify";
import type { Caller, CallerUser, ClientMeta, IdentityService } from "../auth/identity.ts";

/** The caller of `request`; throws unauthorized for an unknown or revoked token. */
export async function identifyCaller(
  identity: Pick<IdentityService, "authenticate">,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Caller> {
  const { caller, setCookie } = await identity.authenticate(request.headers);
  if (setCookie) reply.header("set-cookie", setCookie);
  return caller;
}

/** What a request tells about its client, kept with a new session. */
export function clientOf(request: FastifyRequest): ClientMeta {
  return { ip: request.ip, userAgent: request.headers["user-agent"] ?? null };
}

/** A new guest for a visitor with no session (unless REQUIRE_LOGIN); its cookie goes on the reply. */
export async function startGuest(
  identity: Pick<IdentityService, "startGuest">,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<CallerUser> {
  const guest = await identity.startGuest(clientOf(request));
  reply.header("set-cookie", guest.cookie);
  return guest.user;
}

export function callerLookup(identity: IdentityService) {
  /** Who is calling, as the tRPC context reads it. */
  async function callerOf(request: FastifyRequest, reply: FastifyReply) {
    return identifyCaller(identity, request, reply);
  }

  /** The caller, or a new guest for a visitor with no session (as ownerProcedure does). */
  async function ownerOf(request: FastifyRequest, reply: FastifyReply): Promise<CallerUser> {
    const { user } = await identifyCaller(identity, request, reply);
    return user ?? startGuest(identity, request, reply);
  }

  return { callerOf, ownerOf };
}

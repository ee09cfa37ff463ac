// Who is calling a plain HTTP route, identified exactly as tRPC identifies them: a session
// cookie (a refreshed or cleared cookie is passed on) or a Bearer API token.

import type { FastifyReply, FastifyRequest } from "fastify";
import type { CallerUser, IdentityService } from "../auth/identity.ts";

export function callerLookup(identity: IdentityService) {
  /** Who is calling, as the tRPC context reads it. */
  async function callerOf(request: FastifyRequest, reply: FastifyReply) {
    const { caller, setCookie } = await identity.authenticate(request.headers);
    if (setCookie) reply.header("set-cookie", setCookie);
    return caller;
  }

  /** The caller, or a new guest for a visitor with no session (as ownerProcedure does). */
  async function ownerOf(request: FastifyRequest, reply: FastifyReply): Promise<CallerUser> {
    const { user } = await callerOf(request, reply);
    if (user) return user;
    const client = { ip: request.ip, userAgent: request.headers["user-agent"] ?? null };
    const guest = await identity.startGuest(client);
    reply.header("set-cookie", guest.cookie);
    return guest.user;
  }

  return { callerOf, ownerOf };
}

// Request body limits for tRPC: conversations.import carries a whole file, every other
// procedure keeps Fastify's default of 1 MB.

import { Transform } from "node:stream";
import { IMPORT_LIMITS } from "@parley/shared";
import { errorCodes, type FastifyInstance } from "fastify";

/** Fastify's default limit: what any procedure but the large ones may receive. */
export const TRPC_BODY_LIMIT = 1024 * 1024;

/**
 * The import's file travels as a JSON string inside the request: escaping can double its bytes
 * (every `"` and newline of a JSON file) and UTF-8 takes up to 3 bytes for one character.
 */
export const IMPORT_BODY_LIMIT = 3 * IMPORT_LIMITS.importChars + TRPC_BODY_LIMIT;

const LARGE_BODY_PROCEDURES = new Set(["conversations.import"]);

/** Call before registering the tRPC plugin at `prefix`. */
export function registerTrpcBodyLimits(app: FastifyInstance, prefix: string) {
  const isTrpc = (url: string | undefined) => url?.startsWith(`${prefix}/`) ?? false;
  // The route takes the largest body any procedure may; the hook below holds the others to less.
  app.addHook("onRoute", (route) => {
    if (isTrpc(route.url)) route.bodyLimit = IMPORT_BODY_LIMIT;
  });
  app.addHook("preParsing", async (request, _reply, payload) => {
    if (request.method !== "POST" || !isTrpc(request.routeOptions.url)) return payload;
    // A batch's path names every procedure in it ("a.b,c.d").
    const path = (request.params as { path?: string }).path ?? "";
    if (path.split(",").some((procedure) => LARGE_BODY_PROCEDURES.has(procedure))) return payload;
    if (Number(request.headers["content-length"]) > TRPC_BODY_LIMIT) {
      throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
    }
    // A body without a length (chunked) is counted as it arrives.
    let received = 0;
    return payload.pipe(
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          received += chunk.length;
          if (received > TRPC_BODY_LIMIT) done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
          else done(null, chunk);
        },
      }),
    );
  });
}

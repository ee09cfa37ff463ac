// POST /files (multipart upload) and GET /files/:sha256 (download), outside tRPC because they
// carry bytes. Callers are identified exactly as tRPC identifies them: a session cookie (a new
// visitor becomes a guest) or a Bearer API token; the origin check (http/origin.ts) covers POST.

import multipart from "@fastify/multipart";
import { type FileError, type FileRef, isImageType, isTextType, Sha256 } from "@parley/shared";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { IdentityService } from "../auth/identity.ts";
import { notFound } from "../errors.ts";
import { cleanName, FileRejected, type FileService, formatBytes } from "../files/service.ts";
import type { RateLimits } from "../limits/index.ts";
import { callerLookup } from "./caller.ts";
import { clientError } from "./errors.ts";
import { rateLimitHook } from "./rate-limit.ts";

/**
 * Private, and revalidated on every use: access can end (sign-out, a revoked share), and the
 * ETag (the hash) makes the check a cheap 304.
 */
const CACHE_CONTROL = "private, no-cache";

export async function registerFileRoutes(
  app: FastifyInstance,
  deps: { files: FileService; identity: IdentityService; limits: RateLimits },
) {
  const { files, identity, limits } = deps;

  const { callerOf, ownerOf } = callerLookup(identity);

  // Encapsulated: the multipart parser exists for these routes only.
  await app.register(async (scope) => {
    await scope.register(multipart, {
      limits: { fileSize: files.maxBytes, files: 1, fields: 10, parts: 20 },
    });

    const perIp = rateLimitHook(limits.uploadsPerIp, (request) => request.ip);
    scope.post("/files", { preHandler: perIp }, async (request, reply) => {
      try {
        // Checked before a guest is made, so a malformed request writes nothing.
        if (!request.isMultipart()) {
          return fail(reply, 400, "Send the file as multipart/form-data, in a field named file.");
        }
        const part = await parsing(() => request.file());
        if (part?.fieldname !== "file") {
          return fail(reply, 400, "No file: send it in a multipart field named file.");
        }
        const owner = await ownerOf(request, reply);
        const tooLarge = new FileRejected(
          "too_large",
          `"${cleanName(part.filename)}" is larger than the ${formatBytes(files.maxBytes)} upload limit.`,
        );
        let bytes: Buffer;
        try {
          bytes = await parsing(() => part.toBuffer());
        } catch (error) {
          if (error instanceof scope.multipartErrors.RequestFileTooLargeError) throw tooLarge;
          throw error;
        }
        // The parser cuts a file at the limit and may flag it only once the last chunk is read.
        if (part.file.truncated) throw tooLarge;
        const saved: FileRef = await files.save(owner.id, { name: part.filename, bytes });
        return saved;
      } catch (error) {
        return failWith(reply, error);
      }
    });

    scope.get<{ Params: { sha256: string }; Querystring: { share?: unknown } }>(
      "/files/:sha256",
      async (request, reply) => {
        try {
          const sha256 = request.params.sha256;
          const share = request.query.share;
          const shareId = typeof share === "string" && share.length <= 100 ? share : undefined;
          if (!Sha256.safeParse(sha256).success) return failWith(reply, notFound("file"));
          const caller = await callerOf(request, reply);
          const viewer = { viewerId: caller.user?.id ?? null, ...(shareId ? { shareId } : {}) };
          // Anyone else gets what a missing file gets, so a hash leaks nothing.
          const access = await files.access(viewer, sha256);
          if (!access) return failWith(reply, notFound("file"));
          const stored = await files.read(sha256);
          if (!stored) {
            request.log.error({ sha256 }, "a file's bytes are missing from the store");
            return failWith(reply, notFound("file"));
          }
          const { mimeType } = stored;
          reply
            .header("x-content-type-options", "nosniff")
            // Whatever the browser makes of it (SVG, HTML), it runs no script and loads nothing.
            .header("content-security-policy", "default-src 'none'; sandbox")
            .header("cross-origin-resource-policy", "same-origin")
            .header("cache-control", CACHE_CONTROL)
            .header("etag", `"${sha256}"`)
            .header(
              "content-disposition",
              contentDisposition(
                isImageType(mimeType) ? "inline" : "attachment",
                access.name || `file-${sha256.slice(0, 12)}`,
              ),
            );
          if (request.headers["if-none-match"] === `"${sha256}"`) return reply.code(304).send();
          return reply
            .type(isTextType(mimeType) ? `${mimeType}; charset=utf-8` : mimeType)
            .send(Buffer.from(stored.bytes.buffer, stored.bytes.byteOffset, stored.bytes.length));
        } catch (error) {
          return failWith(reply, error);
        }
      },
    );
  });
}

/** A body the multipart parser could not read (no boundary, cut short, bad headers). */
class MalformedUpload extends Error {
  readonly statusCode = 400;
}

/**
 * Runs a step of multipart parsing. The parser's own errors carry no status, so they would read
 * as ours (500): here they are the client's, a 400.
 */
async function parsing<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (typeof (error as { statusCode?: unknown }).statusCode === "number") throw error;
    throw new MalformedUpload(
      "The upload is not valid multipart/form-data: send the file in a field named file.",
    );
  }
}

export function fail(reply: FastifyReply, statusCode: number, message: string) {
  const body: FileError = { statusCode, error: ERROR_NAMES[statusCode] ?? "Error", message };
  return reply.code(statusCode).send(body);
}

/** A client's error in the files' shape (Retry-After too for a rate limit); ours is thrown on. */
export function failWith(reply: FastifyReply, error: unknown) {
  const known = clientError(reply, error);
  if (known) return fail(reply, known.status, known.message);
  throw error;
}

const ERROR_NAMES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
};

/** RFC 6266: an ASCII fallback name, and the exact one in UTF-8 for browsers that read it. */
function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const exact = encodeURIComponent(name).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

// POST /imports: an export file (JSON, or ChatGPT's ZIP) uploaded as multipart (field `file`),
// streamed to a temporary file (never held in memory), then imported one conversation at a
// time. Asked for `application/x-ndjson`, it answers with progress lines while it works and the
// report last (ImportEvent); otherwise with the report alone, as JSON. A file that cannot be
// imported is refused before anything is written, with a 4xx and the reason.

import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import multipart from "@fastify/multipart";
import { IMPORT_FIELD, type ImportEvent } from "@parley/shared";
import type { FastifyInstance } from "fastify";
import type { IdentityService } from "../auth/identity.ts";
import type { ImportService, PreparedImport } from "../chat/import/index.ts";
import { DomainError } from "../errors.ts";
import { formatBytes } from "../files/service.ts";
import type { RateLimits } from "../limits/index.ts";
import { callerLookup } from "./caller.ts";
import { fail, failWith } from "./files.ts";
import { rateLimitHook } from "./rate-limit.ts";

/** How often progress is sent at most (the last line always goes). */
const PROGRESS_EVERY_MS = 200;
/**
 * How much larger than the upload a JSON file in a ZIP may unpack to: JSON compresses up to
 * about tenfold; a ZIP bomb's entries claim far more and are refused before being unpacked.
 */
const UNPACK_RATIO = 10;

export async function registerImportRoutes(
  app: FastifyInstance,
  deps: { imports: ImportService; identity: IdentityService; limits: RateLimits; maxBytes: number },
) {
  const { imports, identity, limits, maxBytes } = deps;
  const { ownerOf } = callerLookup(identity);
  const tooLarge = `The file is larger than the ${formatBytes(maxBytes)} import limit.`;

  await app.register(async (scope) => {
    await scope.register(multipart, {
      limits: { fileSize: maxBytes, files: 1, fields: 10, parts: 20 },
    });
    // Uploads and imports share the per-IP allowance.
    const perIp = rateLimitHook(limits.uploadsPerIp, (request) => request.ip);

    scope.post("/imports", { preHandler: perIp }, async (request, reply) => {
      const malformed = `Send the file as multipart/form-data, in a field named ${IMPORT_FIELD}.`;
      // Checked before a guest is made, so a malformed request writes nothing.
      if (!request.isMultipart()) return fail(reply, 400, malformed);
      let directory: string | undefined;
      let prepared: PreparedImport | undefined;
      let handedOff = false;
      try {
        const owner = await ownerOf(request, reply);
        let part: Awaited<ReturnType<typeof request.file>>;
        try {
          part = await request.file();
        } catch (error) {
          return failWith(reply, asClientError(error, malformed));
        }
        if (part?.fieldname !== IMPORT_FIELD) {
          return fail(reply, 400, `No file: send it in a multipart field named ${IMPORT_FIELD}.`);
        }
        directory = await mkdtemp(join(tmpdir(), "parley-import-"));
        const path = join(directory, "upload");
        const destination = createWriteStream(path);
        let writeFailed: unknown;
        destination.on("error", (error) => {
          writeFailed = error;
        });
        try {
          await pipeline(part.file, destination);
        } catch (error) {
          // Our disk failing is ours to fix; anything else is the body the client sent.
          if (writeFailed) throw writeFailed;
          if (error instanceof scope.multipartErrors.RequestFileTooLargeError) {
            return fail(reply, 413, tooLarge);
          }
          return failWith(reply, asClientError(error, `The upload broke off. ${malformed}`));
        }
        // The parser cuts a file at the limit and may flag it only once the last chunk is read.
        if (part.file.truncated) return fail(reply, 413, tooLarge);

        prepared = await imports.prepareUpload(owner.id, {
          path,
          filename: part.filename,
          unpackedBytes: UNPACK_RATIO * maxBytes,
        });
        const job = prepared;
        if (!wantsProgress(request.headers.accept)) return await job.run();

        // Progress as it goes: the status and headers are sent now, the report last.
        const lines = new PassThrough();
        const send = (event: ImportEvent) => lines.write(`${JSON.stringify(event)}\n`);
        const finished = (async () => {
          let sentAt = 0;
          try {
            const report = await job.run((progress) => {
              const now = Date.now();
              if (progress.done < progress.total && now - sentAt < PROGRESS_EVERY_MS) return;
              sentAt = now;
              send({ type: "progress", ...progress });
            });
            send({ type: "report", report });
          } catch (error) {
            send({ type: "error", message: errorMessage(error, request.id) });
            if (!(error instanceof DomainError)) {
              request.log.error({ err: error }, "import failed");
            }
          } finally {
            lines.end();
          }
        })();
        // The temporary file goes once the import is done, not when this handler returns.
        const dir = directory;
        void finished.finally(async () => {
          job.close();
          await rm(dir, { recursive: true, force: true });
        });
        handedOff = true;
        return (
          reply
            .header("cache-control", "no-cache")
            // Proxies pass each line on as it comes (nginx buffers otherwise).
            .header("x-accel-buffering", "no")
            .type("application/x-ndjson; charset=utf-8")
            .send(lines)
        );
      } catch (error) {
        return failWith(reply, error);
      } finally {
        if (!handedOff) {
          prepared?.close();
          if (directory) await rm(directory, { recursive: true, force: true });
        }
      }
    });
  });
}

function wantsProgress(accept: string | undefined): boolean {
  return accept?.split(",").some((type) => type.trim().startsWith("application/x-ndjson")) ?? false;
}

/** A malformed multipart body is the client's error (400), whatever the parser calls it. */
function asClientError(error: unknown, message: string): unknown {
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) return error;
  return new DomainError("bad_request", message, { cause: error });
}

/** What the caller is told: a refusal's reason, or a generic line with the request id. */
function errorMessage(error: unknown, requestId: string): string {
  if (error instanceof DomainError) return error.message;
  return `The import stopped on an error of ours (request ${requestId}); what was imported before it is kept.`;
}

// One error handler for every plain HTTP route: a client's mistake keeps its 4xx status and
// message; anything else is ours, logged in full and answered with a generic 500 that names the
// request id, so no database or library text reaches the caller.

import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { DomainError, type ErrorKind, RateLimited } from "../errors.ts";

/** The domain's errors as HTTP statuses: the one table every plain route answers by. */
const STATUSES: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_type: 415,
  rate_limited: 429,
  unavailable: 503,
};

/**
 * A client's error as its status and message, setting Retry-After for a rate limit; undefined
 * for an error that is ours. Parser errors (multipart, body limits) carry their own 4xx.
 */
export function clientError(
  reply: FastifyReply,
  error: unknown,
): { status: number; message: string } | undefined {
  if (error instanceof DomainError) {
    if (error instanceof RateLimited) reply.header("retry-after", error.retryAfterSeconds);
    return { status: STATUSES[error.kind], message: error.message };
  }
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return { status, message: (error as Error).message };
  }
  return undefined;
}

/** Call before registering routes: plugins registered later inherit the handler. */
export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = clientError(reply, error);
    if (known) {
      return reply.code(known.status).send({
        statusCode: known.status,
        error: STATUS_CODES[known.status] ?? "Error",
        message: known.message,
      });
    }
    request.log.error({ err: error }, "request failed");
    return reply.code(500).send({
      statusCode: 500,
      error: "Internal Server Error",
      message: unexpectedErrorMessage(request.id),
    });
  });
}

/** What a caller is told about a failure that is ours, not theirs (tRPC says the same). */
export function unexpectedErrorMessage(requestId: string | undefined): string {
  const reference = requestId ? ` (request ${requestId})` : "";
  return `Something went wrong on our side${reference}. Please try again; if it keeps happening, tell the server's administrator.`;
}

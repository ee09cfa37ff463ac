// One error handler for every plain HTTP route: a client's mistake keeps its 4xx status and
// message; anything else is ours, logged in full and answered with a generic 500 that names the
// request id, so no database or library text reaches the caller.

import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyInstance } from "fastify";

/** Call before registering routes: plugins registered later inherit the handler. */
export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return reply.code(status).send({
        statusCode: status,
        error: STATUS_CODES[status] ?? "Error",
        message: error.message,
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

// The domain's errors as tRPC errors, in one table: used by the middleware every procedure
// starts with, by the context factory and by the direct SSE writer (http/subscriptions.ts).

import { getTRPCErrorFromUnknown, type TRPC_ERROR_CODE_KEY, TRPCError } from "@trpc/server";
import { DomainError, type ErrorKind } from "../errors.ts";

const CODES: Record<ErrorKind, TRPC_ERROR_CODE_KEY> = {
  bad_request: "BAD_REQUEST",
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  too_large: "PAYLOAD_TOO_LARGE",
  unsupported_type: "UNSUPPORTED_MEDIA_TYPE",
  rate_limited: "TOO_MANY_REQUESTS",
  unavailable: "SERVICE_UNAVAILABLE",
};

/**
 * Any thrown value as the TRPCError the caller gets: a domain error keeps its message with its
 * kind's code (also when tRPC already wrapped it as an internal error); anything else is ours.
 */
export function toTRPCError(thrown: unknown): TRPCError {
  const cause =
    thrown instanceof TRPCError && thrown.cause instanceof DomainError ? thrown.cause : thrown;
  if (cause instanceof DomainError) {
    return new TRPCError({ code: CODES[cause.kind], message: cause.message, cause });
  }
  return getTRPCErrorFromUnknown(cause);
}

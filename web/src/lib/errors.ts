// What went wrong, in words: the one way the app turns a failed call into text for the reader.

import { isTRPCClientError } from "@trpc/client";

/** The parts of a tRPC client error the app reads (see errorFormatter in server/src/trpc/init.ts). */
export interface ErrorLike {
  message: string;
  data?: {
    code?: string;
    zodIssues?: readonly { path: readonly PropertyKey[]; message: string; code?: string }[] | null;
  } | null;
}

/** Said when a call never reached the server, or its answer never came back. */
export const UNREACHABLE = "Could not reach the server. Check your connection and try again.";

/** The reader's words for anything a call may throw. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // A tRPC client error with no data never got an answer from the server.
  if (isTRPCClientError(error) && !error.data) return UNREACHABLE;
  if (error.message === "Failed to fetch") return UNREACHABLE;
  return error.message;
}

/** The server's code for a failed call (NOT_FOUND, BAD_REQUEST…), when it sent one. */
export function errorCode(error: unknown): string | undefined {
  const data = (error as Partial<ErrorLike> | null)?.data;
  return typeof data?.code === "string" ? data.code : undefined;
}

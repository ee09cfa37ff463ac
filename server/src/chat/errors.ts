import { TRPCError } from "@trpc/server";

/** What anyone gets for something that is not theirs, so they learn nothing about it. */
export function notFound(what: "conversation" | "message" | "generation"): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message: `No such ${what}.` });
}

export function badRequest(message: string): TRPCError {
  return new TRPCError({ code: "BAD_REQUEST", message });
}

/** A usage limit is reached: the message says which and what to do. */
export function limitReached(message: string): TRPCError {
  return new TRPCError({ code: "FORBIDDEN", message });
}

/** A model that cannot answer now (its provider is down): the message says why. */
export function modelUnavailable(model: string, reason: string): TRPCError {
  return new TRPCError({
    code: "SERVICE_UNAVAILABLE",
    message: `The model "${model}" is unavailable: ${reason}`,
  });
}

// The errors the domain throws: what went wrong in the user's terms, with no transport in
// them. trpc/errors.ts turns them into tRPC codes and http/errors.ts into HTTP statuses, each
// in one table, so a kind means the same thing on every route.

import type { RateLimitResult } from "./limits/rate-limit.ts";

export type ErrorKind =
  /** The request itself is wrong (a bad cursor, an unknown model, a message in the wrong place). */
  | "bad_request"
  /** No one is signed in, or the credentials are no good. */
  | "unauthorized"
  /** The caller may not do this (admins only, a usage cap reached, sign-up closed). */
  | "forbidden"
  /** Missing, or someone else's: the two look the same, so no one learns about others' data. */
  | "not_found"
  /** It clashes with what is there now (an answer still being written, an id taken). */
  | "conflict"
  | "too_large"
  | "unsupported_type"
  /** Too many requests for now: see RateLimited for the wait. */
  | "rate_limited"
  /** Something Parley depends on (a model's provider) cannot answer now. */
  | "unavailable";

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DomainError";
  }
}

/** Over a rate limit: the message says what and for how long; the wait is in whole seconds. */
export class RateLimited extends DomainError {
  readonly retryAfterSeconds: number;
  /** Which limit refused: for logs, not for clients. */
  readonly limitName: string;
  /** The refusing limit's numbers, for RateLimit-* headers on HTTP routes. */
  readonly result: RateLimitResult;

  constructor(
    message: string,
    refusal: { limitName: string; result: RateLimitResult; retryAfterSeconds: number },
  ) {
    super("rate_limited", message, {
      cause: new Error(`${refusal.limitName}: over ${refusal.result.limit} per window`),
    });
    this.name = "RateLimited";
    this.retryAfterSeconds = refusal.retryAfterSeconds;
    this.limitName = refusal.limitName;
    this.result = refusal.result;
  }
}

/** What anyone gets for something that is not theirs, so they learn nothing about it. */
export function notFound(
  what: "conversation" | "message" | "generation" | "share" | "file",
): DomainError {
  return new DomainError("not_found", `No such ${what}.`);
}

export function badRequest(message: string): DomainError {
  return new DomainError("bad_request", message);
}

/** A usage limit is reached: the message says which and what to do. */
export function limitReached(message: string): DomainError {
  return new DomainError("forbidden", message);
}

/** A model that cannot answer now (its provider is down): the message says why. */
export function modelUnavailable(model: string, reason: string): DomainError {
  return new DomainError("unavailable", `The model "${model}" is unavailable: ${reason}`);
}

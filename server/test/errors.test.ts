// The domain's errors reach callers the same way through both transports: a procedure's tRPC
// code means the HTTP status a plain route answers with, the message is kept, a rate limit
// tells the wait, and anything unexpected says nothing of itself.

import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError, type ErrorKind, RateLimited } from "../src/errors.ts";
import { registerErrorHandler } from "../src/http/errors.ts";
import { type Context, createCallerFactory, publicProcedure, router } from "../src/trpc/init.ts";

const KINDS: Record<ErrorKind, number> = {
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

function thrown(kind: string): Error {
  if (kind === "rate_limited") {
    const result = {
      allowed: false,
      limit: 1,
      remaining: 0,
      retryAfterMs: 7000,
      resetMs: 7000,
    } as const;
    return new RateLimited("Too many tests: try again in 7 s", {
      limitName: "tests",
      result,
      retryAfterSeconds: 7,
    });
  }
  if (kind in KINDS) return new DomainError(kind as ErrorKind, `a ${kind} refusal`);
  return new Error("connection to 10.0.0.5 refused");
}

const fails = router({
  fail: publicProcedure
    .input((value) => String(value))
    .query(({ input }) => {
      throw thrown(input);
    }),
});
// The procedures here read nothing from their context.
const caller = createCallerFactory(fails)({} as Context);

const app = Fastify();
let base: string;

beforeAll(async () => {
  registerErrorHandler(app);
  app.get<{ Params: { kind: string } }>("/fail/:kind", async (request) => {
    throw thrown(request.params.kind);
  });
  base = await app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(() => app.close());

describe("a domain error", () => {
  for (const [kind, status] of Object.entries(KINDS)) {
    it(`${kind} answers ${status} over HTTP and the same status's code over tRPC`, async () => {
      const response = await fetch(`${base}/fail/${kind}`);
      const body = (await response.json()) as { statusCode: number; message: string };
      const refused = await caller.fail(kind).catch((error: unknown) => error);

      expect({ status: response.status, message: body.message }).toEqual({
        status,
        message: thrown(kind).message,
      });
      expect(refused).toMatchObject({ message: thrown(kind).message });
      expect(
        getHTTPStatusCodeFromError(refused as Parameters<typeof getHTTPStatusCodeFromError>[0]),
      ).toBe(status);
    });
  }

  it("tells a rate-limited caller when to come back", async () => {
    const response = await fetch(`${base}/fail/rate_limited`);
    expect(response.headers.get("retry-after")).toBe("7");
  });

  it("is ours when it is not a domain error: a 500 that names no detail", async () => {
    const response = await fetch(`${base}/fail/other`);
    const body = (await response.json()) as { message: string };
    const refused = await caller.fail("other").catch((error: unknown) => error);

    expect(response.status).toBe(500);
    expect(body.message).not.toContain("10.0.0.5");
    expect(refused).toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
  });
});

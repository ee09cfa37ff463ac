// How a call was refused, for tests that check refusals.

import { TRPCClientError } from "@trpc/client";

/** The error code a call failed with (or "ok"). */
export async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    return (error.data as { code: string }).code;
  }
}

/** The error a call failed with; the test fails if the call succeeds. */
export async function errorOf(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

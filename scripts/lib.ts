// Plumbing shared by the example scripts: a client from the environment, and one way to report
// a failure (a line on stderr and a non-zero exit, never a stack trace for a known problem).

import {
  type AppRouter,
  createParleyClient,
  isTRPCClientError,
  type ParleyClient,
} from "@parley/server/client";

/** Where `pnpm start` serves Parley (PORT defaults to 3000). */
export const DEFAULT_URL = "http://localhost:3000";

/** A failure the user can act on: printed as is. `exitCode` 2 is a usage error. */
export class ScriptError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function parleyUrl(): string {
  return process.env.PARLEY_URL?.trim() || DEFAULT_URL;
}

/** A typed client for PARLEY_URL, authenticated with the API token in PARLEY_TOKEN. */
export function clientFromEnv(): ParleyClient {
  const token = process.env.PARLEY_TOKEN?.trim();
  if (!token) {
    throw new ScriptError(
      "PARLEY_TOKEN is not set: create a personal API token (tokens.create; see the README's " +
        '"Scripting" section) and export PARLEY_TOKEN=parley_…',
    );
  }
  return createParleyClient({ url: parleyUrl(), token });
}

/** What went wrong, in words a person can act on. */
export function describeError(error: unknown): string {
  if (error instanceof ScriptError) return error.message;
  if (isTRPCClientError<AppRouter>(error)) {
    const data = error.data;
    // No data: Parley never answered (refused connection, DNS, not a Parley server…).
    if (!data) {
      const cause = error.cause instanceof Error ? (error.cause.cause ?? error.cause) : undefined;
      const reason = cause instanceof Error ? cause.message : error.message;
      return `could not reach Parley at ${parleyUrl()} (${reason}); is it running? Set PARLEY_URL if it is elsewhere.`;
    }
    if (data.code === "UNAUTHORIZED") {
      return `Parley refused the token in PARLEY_TOKEN (UNAUTHORIZED): it may be mistyped, revoked or expired.`;
    }
    if (data.zodIssues?.length) {
      const issues = data.zodIssues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`);
      return `invalid input (${data.code}): ${issues.join("; ")}`;
    }
    if (data.retryAfterSeconds) {
      return `${error.message} (${data.code}); try again in ${data.retryAfterSeconds} s`;
    }
    return `${error.message} (${data.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Exits once stdout has been written out (process.exit alone may cut a piped stdout short). */
export function exit(code: number): Promise<never> {
  return new Promise(() => {
    process.stdout.write("", () => process.exit(code));
  });
}

/** Runs a script's main: its result is the exit code; a failure is reported on stderr. */
export function run(main: () => Promise<number | undefined>): void {
  main().then(
    (code) => exit(code ?? 0),
    (error: unknown) => {
      process.stderr.write(`error: ${describeError(error)}\n`);
      return exit(error instanceof ScriptError ? error.exitCode : 1);
    },
  );
}

/** Throws the usage line as a usage error (exit 2). */
export function usage(line: string, problem?: string): never {
  throw new ScriptError(`${problem ? `${problem}\n` : ""}usage: ${line}`, 2);
}

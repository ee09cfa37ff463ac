// Runs any procedure by its path through a real tRPC client: tRPC 11's untyped client, built
// the way the app builds its own (superjson, /trpc, SSE for subscriptions), as the current
// session (cookies) or as a pasted API token (a bearer header and no cookies at all).

import { type ProcedureKind, wireTransformer } from "@parley/shared";
import {
  createTRPCUntypedClient,
  httpLink,
  httpSubscriptionLink,
  isTRPCClientError,
  splitLink,
  type TRPCUntypedClient,
} from "@trpc/client";
import type { AnyRouter } from "@trpc/server";
import { EventSource } from "eventsource";

/** Same origin as the app (the server serves the SPA; Vite proxies /trpc in dev). */
const TRPC_URL = "/trpc";

/** Who a call runs as: this browser's session, or a pasted API token (never stored). */
export type RunAs = { kind: "session" } | { kind: "token"; token: string };

/** The HTTP status of the last response a client received (tRPC does not surface it). */
interface StatusRecorder {
  status: number | null;
}

function createPanelClient(runAs: RunAs, recorder: StatusRecorder): TRPCUntypedClient<AnyRouter> {
  const headers: Record<string, string> =
    runAs.kind === "token" ? { authorization: `Bearer ${runAs.token}` } : {};
  // A token call must not also carry the session cookie, or it would prove nothing about the token.
  const credentials: RequestCredentials = runAs.kind === "token" ? "omit" : "same-origin";
  const send = async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await fetch(input, { ...init, credentials });
    recorder.status = response.status;
    return response;
  };
  return createTRPCUntypedClient<AnyRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: TRPC_URL,
          transformer: wireTransformer,
          // The browser's EventSource cannot send headers; this fetch-based one can.
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) =>
              send(input, { ...init, headers: { ...init.headers, ...headers } }),
          },
        }),
        // One request per call (no batching), so its HTTP status and timing are the call's own.
        false: httpLink({ url: TRPC_URL, transformer: wireTransformer, headers, fetch: send }),
      }),
    ],
  });
}

/** A Zod issue as the server's errorFormatter sends it (`data.zodIssues`). */
export interface ZodIssueInfo {
  path: (string | number)[];
  message: string;
  code?: string;
}

export type CallOutcome =
  | { ok: true; data: unknown; httpStatus: number | null; ms: number }
  | {
      ok: false;
      code: string;
      message: string;
      httpStatus: number | null;
      zodIssues: ZodIssueInfo[];
      ms: number;
    };

/** Runs a query or a mutation, timing it; errors are an outcome, never thrown. */
export async function callProcedure(
  runAs: RunAs,
  kind: Exclude<ProcedureKind, "subscription">,
  path: string,
  input: unknown,
): Promise<CallOutcome> {
  const recorder: StatusRecorder = { status: null };
  const client = createPanelClient(runAs, recorder);
  const started = performance.now();
  try {
    const data =
      kind === "query" ? await client.query(path, input) : await client.mutation(path, input);
    return { ok: true, data, httpStatus: recorder.status, ms: elapsed(started) };
  } catch (error) {
    return { ...describeError(error, recorder.status), ms: elapsed(started) };
  }
}

function elapsed(started: number) {
  return Math.round(performance.now() - started);
}

function describeError(error: unknown, status: number | null) {
  if (isTRPCClientError(error)) {
    const data = (error.data ?? {}) as {
      code?: string;
      httpStatus?: number;
      zodIssues?: ZodIssueInfo[] | null;
    };
    return {
      ok: false as const,
      code: data.code ?? "NETWORK_ERROR",
      message: error.message,
      httpStatus: data.httpStatus ?? status,
      zodIssues: data.zodIssues ?? [],
    };
  }
  return {
    ok: false as const,
    code: "CLIENT_ERROR",
    message: error instanceof Error ? error.message : String(error),
    httpStatus: status,
    zodIssues: [],
  };
}

/** One event of a subscription: its tracked id (when the server tracks it) and its data. */
export interface StreamEvent {
  id: string | null;
  data: unknown;
  /** Milliseconds since the subscription started. */
  at: number;
}

export interface SubscriptionHandlers {
  onStarted(): void;
  onEvent(event: StreamEvent): void;
  onError(outcome: Extract<CallOutcome, { ok: false }>): void;
  onComplete(): void;
  onConnectionState(state: "connecting" | "pending" | "idle", error: string | null): void;
}

/** Starts a subscription; returns the function that stops it (and stops any further events). */
export function subscribe(
  runAs: RunAs,
  path: string,
  input: unknown,
  handlers: SubscriptionHandlers,
): () => void {
  const recorder: StatusRecorder = { status: null };
  const client = createPanelClient(runAs, recorder);
  const started = performance.now();
  let stopped = false;
  const subscription = client.subscription(path, input, {
    onStarted: () => !stopped && handlers.onStarted(),
    onData(value: unknown) {
      if (stopped) return;
      const tracked = isTracked(value);
      handlers.onEvent({
        id: tracked ? value.id : null,
        data: tracked ? value.data : value,
        at: elapsed(started),
      });
    },
    onError(error) {
      if (stopped) return;
      handlers.onError({ ...describeError(error, recorder.status), ms: elapsed(started) });
    },
    onComplete: () => !stopped && handlers.onComplete(),
    onConnectionStateChange(state) {
      if (stopped) return;
      handlers.onConnectionState(state.state, state.error?.message ?? null);
    },
  });
  return () => {
    stopped = true;
    subscription.unsubscribe();
  };
}

/** tRPC hands a tracked event over as `{ id, data }`. */
function isTracked(value: unknown): value is { id: string; data: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    "id" in value &&
    typeof value.id === "string" &&
    "data" in value &&
    Object.keys(value).length === 2
  );
}

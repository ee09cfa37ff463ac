// The typed client for scripts (`@parley/server/client`): queries and mutations batched over
// HTTP, subscriptions over Server-Sent Events, superjson both ways, a bearer token on every
// request. The router is imported as a type only, so a script loads no server code at runtime.

import { wireTransformer } from "@parley/shared";
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { EventSource } from "eventsource";
import type { AppRouter } from "../trpc/router.ts";

export { isTRPCClientError, TRPCClientError } from "@trpc/client";
export type { AppRouter };

/** Every procedure's input, e.g. `ParleyInputs["messages"]["send"]`. */
export type ParleyInputs = inferRouterInputs<AppRouter>;
/** Every procedure's output, e.g. `ParleyOutputs["conversations"]["get"]`. */
export type ParleyOutputs = inferRouterOutputs<AppRouter>;

export type ParleyClient = TRPCClient<AppRouter>;

/** The fetch the client sends every request through (Node's global fetch by default). */
export type ParleyFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface ParleyClientOptions {
  /** Where Parley is served, e.g. `http://localhost:3000` (the API is under `/trpc`). */
  url: string;
  /**
   * A personal API token (`tokens.create`, or Settings → API tokens in the app), sent as
   * `Authorization: Bearer …`. Without one, requests carry only what `fetch` adds (cookies).
   */
  token?: string | undefined;
  /** Replaces the global fetch, e.g. with one that keeps cookies. */
  fetch?: ParleyFetch;
  /** Extra headers on every request, subscriptions included. */
  headers?: Record<string, string>;
}

export function createParleyClient(options: ParleyClientOptions): ParleyClient {
  const send = options.fetch ?? globalThis.fetch;
  // One fetch for both links, so the SSE requests carry the same credentials as the others.
  const fetchWithCredentials: ParleyFetch = (input, init) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    if (options.token) headers.set("authorization", `Bearer ${options.token}`);
    return send(input, { ...init, headers });
  };
  const url = `${options.url.replace(/\/+$/, "")}/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url,
          transformer: wireTransformer,
          // Node has no EventSource; this one takes a fetch, which is how the token gets in.
          EventSource,
          eventSourceOptions: { fetch: fetchWithCredentials },
        }),
        false: httpBatchLink({ url, transformer: wireTransformer, fetch: fetchWithCredentials }),
      }),
    ],
  });
}

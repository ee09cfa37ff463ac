import type { AppRouter } from "@parley/server/router";
import { wireTransformer } from "@parley/shared";
import { QueryClient } from "@tanstack/react-query";
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  isTRPCClientError,
  splitLink,
} from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { sessionFirstLink } from "./lib/sessionFirstLink.ts";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

/** The typed query and mutation options of every procedure (what `useTRPC()` returns). */
export type Trpc = ReturnType<typeof useTRPC>;

/** Same origin in production (the server serves the SPA) and in dev (Vite proxies /trpc). */
const url = "/trpc";

export function createTrpcClient() {
  return createTRPCClient<AppRouter>({
    links: [
      sessionFirstLink(url),
      splitLink({
        condition: (op) => op.type === "subscription",
        // SSE: reconnects on its own and resumes from the last tracked event id.
        true: httpSubscriptionLink({ url, transformer: wireTransformer }),
        // Plain batches, not streamed ones: a streamed batch sends its response head before any
        // procedure runs, and procedures must be able to set the session cookie and the status.
        false: httpBatchLink({ url, transformer: wireTransformer }),
      }),
    ],
  });
}

export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Lists change through our own mutations, which invalidate them; avoid refetch storms.
        staleTime: 30_000,
        // A 4xx will not get better by asking again; network and server errors get two retries.
        retry: (failureCount, error) => {
          const status = isTRPCClientError(error) ? error.data?.httpStatus : undefined;
          if (typeof status === "number" && status >= 400 && status < 500) return false;
          return failureCount < 2;
        },
      },
    },
  });
}

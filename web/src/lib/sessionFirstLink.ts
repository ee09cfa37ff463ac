import type { AppRouter } from "@parley/server/router";
import type { TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";

/**
 * Holds every request of a fresh page until one owner call has settled, so that a visitor with
 * no session cookie yet becomes exactly one guest. Without it the first batch (and the SSE
 * subscriptions opened beside it) each start their own guest, and the browser keeps whichever
 * cookie came last: the sidebar's `generations.active` could then watch a different guest than
 * the one owning the conversations. Costs one small request per page load.
 */
export function sessionFirstLink(url: string): TRPCLink<AppRouter> {
  let ready: Promise<void> | undefined;
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        ready ??= fetch(`${url}/settings.get`, { credentials: "same-origin" }).then(
          () => undefined,
          () => undefined,
        );
        let unsubscribe: (() => void) | undefined;
        let cancelled = false;
        void ready.then(() => {
          if (cancelled) return;
          const subscription = next(op).subscribe(observer);
          unsubscribe = () => subscription.unsubscribe();
        });
        return () => {
          cancelled = true;
          unsubscribe?.();
        };
      });
}

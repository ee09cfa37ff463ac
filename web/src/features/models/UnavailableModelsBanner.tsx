import type { ModelsListOutput } from "@parley/shared";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../trpc.ts";

/**
 * models.list is read from memory on the server, so polling it is cheap; more often while
 * something is down, to say so soon after it is back. Hidden tabs do not poll.
 */
const POLL_MS = { allUp: 15_000, someDown: 5_000 };

/** The models that cannot answer now, grouped by why (a provider that is down). */
function outages(list: ModelsListOutput | undefined) {
  const byReason = new Map<string, string[]>();
  for (const model of list?.models ?? []) {
    if (model.available) continue;
    const reason = model.unavailableReason ?? "Its provider is unavailable.";
    byReason.set(reason, [...(byReason.get(reason) ?? []), model.name]);
  }
  // A provider down since before its models were ever listed has no models to name.
  const unlisted = (list?.providers ?? []).filter(
    (provider) => !provider.available && provider.models === 0,
  );
  return { byReason, unlisted };
}

/** Names the models that are unavailable and why; goes away by itself once they are back. */
export function UnavailableModelsBanner() {
  const trpc = useTRPC();
  const { data } = useQuery({
    ...trpc.models.list.queryOptions(),
    refetchInterval: (query) => {
      const list = query.state.data;
      // The built-in demo model is never down.
      if (list?.demo) return false;
      const { byReason, unlisted } = outages(list);
      return byReason.size > 0 || unlisted.length > 0 ? POLL_MS.someDown : POLL_MS.allUp;
    },
  });
  const { byReason, unlisted } = outages(data);
  if (byReason.size === 0 && unlisted.length === 0) return null;
  return (
    <div className="provider-banner" role="status" aria-label="Unavailable models">
      {[...byReason].map(([reason, names]) => (
        <p key={reason}>
          <strong>Unavailable: {names.join(", ")}.</strong> {reason} Other models, and reading your
          conversations, still work.
        </p>
      ))}
      {unlisted.map((provider) => (
        <p key={provider.name}>
          <strong>No models from {provider.name} yet.</strong> {provider.reason}
        </p>
      ))}
    </div>
  );
}

import type { ShareSummary } from "@parley/shared";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Link } from "../../app/router.tsx";
import { useTRPC } from "../../trpc.ts";
import { formatDateTime, isoDate } from "../auth/dates.ts";
import { titleOf } from "../conversations/groups.ts";
import { ConfirmDialog } from "../settings/ConfirmDialog.tsx";
import "./shares.css";

/** Settings → Shared links: the owner's working share links, each with a way to revoke it. */
export function SharedLinks() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const headingId = useId();
  const shares = useQuery(trpc.shares.list.queryOptions());
  const [revoking, setRevoking] = useState<ShareSummary | null>(null);
  const revoke = useMutation(
    trpc.shares.revoke.mutationOptions({
      onSuccess: async () => {
        setRevoking(null);
        await queryClient.invalidateQueries(trpc.shares.pathFilter());
      },
    }),
  );

  return (
    <section id="shared-links" className="form-section" aria-labelledby={headingId}>
      <h2 id={headingId}>Shared links</h2>
      <p className="form-hint">
        Anyone with one of these links can read the conversation as it was when you shared it.
        Revoke a link to turn it off for everyone; copies people already made stay theirs.
      </p>
      {shares.isPending ? (
        <p role="status" className="muted">
          Loading shared links…
        </p>
      ) : shares.isError ? (
        <div role="alert" className="error">
          <p>Could not load your shared links: {shares.error.message}</p>
          <button type="button" onClick={() => shares.refetch()}>
            Retry
          </button>
        </div>
      ) : shares.data.shares.length === 0 ? (
        <p className="muted">You have not shared any conversations.</p>
      ) : (
        <ul className="shared-links" aria-labelledby={headingId}>
          {shares.data.shares.map((share) => (
            <li key={share.shareId} className="shared-link">
              <div className="shared-link-text">
                <Link to={`/s/${share.shareId}`}>{titleOf(share)}</Link>
                <p className="form-hint">
                  <code>/s/{share.shareId}</code>
                  {" · "}
                  {share.messageCount === 1 ? "1 message" : `${share.messageCount} messages`}
                  {" · shared "}
                  <time dateTime={isoDate(share.createdAt)}>{formatDateTime(share.createdAt)}</time>
                </p>
              </div>
              <button
                type="button"
                className="button-secondary"
                aria-label={`Revoke the link to ${titleOf(share)}`}
                onClick={() => {
                  revoke.reset();
                  setRevoking(share);
                }}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this link?"
        confirmLabel="Revoke"
        busy={revoke.isPending}
        error={revoke.error?.message}
        onConfirm={() => revoking && revoke.mutate({ shareId: revoking.shareId })}
        onCancel={() => setRevoking(null)}
      >
        <p>
          The link to “{revoking ? titleOf(revoking) : ""}” will stop working for everyone who has
          it. Sharing the conversation again makes a new link.
        </p>
      </ConfirmDialog>
    </section>
  );
}

import type { ShareSummary } from "@parley/shared";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { Link } from "../../app/router.tsx";
import { ConfirmDialog, useConfirmedMutation } from "../../lib/ConfirmDialog.tsx";
import { Loaded } from "../../lib/Loaded.tsx";
import { useTRPC } from "../../trpc.ts";
import { formatDateTime, isoDate } from "../auth/dates.ts";
import { titleOf } from "../conversations/groups.ts";
import "./shares.css";

/** Settings → Shared links: the owner's working share links, each with a way to revoke it. */
export function SharedLinks() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const headingId = useId();
  const shares = useQuery(trpc.shares.list.queryOptions());
  const revoke = useMutation(
    trpc.shares.revoke.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries(trpc.shares.pathFilter()),
    }),
  );
  const revoking = useConfirmedMutation(revoke, (share: ShareSummary) => ({
    shareId: share.shareId,
  }));

  return (
    <section id="shared-links" className="form-section" aria-labelledby={headingId}>
      <h2 id={headingId}>Shared links</h2>
      <p className="form-hint">
        Anyone with one of these links can read the conversation as it was when you shared it.
        Revoke a link to turn it off for everyone; copies people already made stay theirs.
      </p>
      <Loaded
        query={shares}
        loading="Loading shared links…"
        failure="Could not load your shared links"
      >
        {(data) =>
          data.shares.length === 0 ? (
            <p className="muted">You have not shared any conversations.</p>
          ) : (
            <ul className="section-list" aria-labelledby={headingId}>
              {data.shares.map((share) => (
                <li key={share.shareId} className="section-item shared-link">
                  <div className="section-item-text">
                    <Link to={`/s/${share.shareId}`}>{titleOf(share)}</Link>
                    <p className="form-hint">
                      <code>/s/{share.shareId}</code>
                      {" · "}
                      {share.messageCount === 1 ? "1 message" : `${share.messageCount} messages`}
                      {" · shared "}
                      <time dateTime={isoDate(share.createdAt)}>
                        {formatDateTime(share.createdAt)}
                      </time>
                    </p>
                  </div>
                  <button
                    type="button"
                    className="button-secondary"
                    aria-label={`Revoke the link to ${titleOf(share)}`}
                    onClick={() => revoking.ask(share)}
                  >
                    Revoke
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <ConfirmDialog {...revoking.dialog} title="Revoke this link?" confirmLabel="Revoke">
        <p>
          The link to “{revoking.target ? titleOf(revoking.target) : ""}” will stop working for
          everyone who has it. Sharing the conversation again makes a new link.
        </p>
      </ConfirmDialog>
    </section>
  );
}

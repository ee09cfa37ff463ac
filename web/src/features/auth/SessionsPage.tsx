import type { SessionInfo } from "@parley/shared";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Loaded } from "../../lib/Loaded.tsx";
import { useTRPC } from "../../trpc.ts";
import { formatDateTime, isoDate } from "./dates.ts";
import { SignedInOnly } from "./SignedInOnly.tsx";
import { useSignOut } from "./useSignOut.ts";
import "../settings/forms.css";
import "./auth.css";
import { errorText } from "../../lib/errors.ts";

/** /account/sessions: where this account is signed in, and a way to end any of it. */
export default function SessionsPage() {
  useEffect(() => {
    document.title = "Sessions · Parley";
  }, []);
  return (
    <div className="form-scroll">
      <div className="form-page">
        <h1>Sessions</h1>
        <p className="form-page-intro">
          The browsers signed in to your account. Revoke any you do not recognise.
        </p>
        <SignedInOnly what="your sessions">{() => <SessionList />}</SignedInOnly>
      </div>
    </div>
  );
}

function SessionList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessions = useQuery(trpc.auth.sessions.queryOptions());
  const signOut = useSignOut();
  const revoke = useMutation(
    trpc.auth.revokeSession.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.queryKey() }),
    }),
  );
  const revokeOthers = useMutation({
    mutationFn: async (ids: string[]) => {
      for (const id of ids) await revoke.mutateAsync({ id });
    },
  });

  const error = revoke.error ?? revokeOthers.error ?? signOut.error;

  return (
    <Loaded query={sessions} loading="Loading sessions…" failure="Could not load your sessions">
      {(list) => {
        const others = list.filter((session) => !session.current);
        return (
          <>
            {error && (
              <p role="alert" className="form-alert">
                Could not revoke the session: {errorText(error)}
              </p>
            )}
            <ul className="section-list" aria-label="Sessions">
              {list.map((session) => (
                <li key={session.id} className="section-item">
                  <SessionSummary session={session} />
                  {session.current ? (
                    <button
                      type="button"
                      className="button-secondary"
                      disabled={signOut.isPending}
                      onClick={() => signOut.mutate()}
                    >
                      Sign out
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="button-secondary"
                      disabled={revoke.isPending && revoke.variables?.id === session.id}
                      aria-label={`Revoke ${describeDevice(session.userAgent)}, last active ${formatDateTime(session.lastSeenAt)}`}
                      onClick={() => revoke.mutate({ id: session.id })}
                    >
                      Revoke
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {others.length > 0 && (
              <div className="form-actions account-list-actions">
                <button
                  type="button"
                  className="button-secondary"
                  disabled={revokeOthers.isPending}
                  onClick={() => revokeOthers.mutate(others.map((session) => session.id))}
                >
                  {revokeOthers.isPending ? "Signing out…" : "Sign out all other sessions"}
                </button>
              </div>
            )}
          </>
        );
      }}
    </Loaded>
  );
}

function SessionSummary({ session }: { session: SessionInfo }) {
  return (
    <div className="section-item-text">
      <p className="section-item-title">
        {describeDevice(session.userAgent)}
        {session.current && <span className="badge">This browser</span>}
      </p>
      <p className="form-hint">
        {session.ip && <>{session.ip} · </>}
        Signed in{" "}
        <time dateTime={isoDate(session.createdAt)}>{formatDateTime(session.createdAt)}</time> ·
        Last active{" "}
        <time dateTime={isoDate(session.lastSeenAt)}>{formatDateTime(session.lastSeenAt)}</time>
      </p>
    </div>
  );
}

/** "Firefox on Linux" from a user agent: enough to recognise a device, no more. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return "Unknown browser";
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /OPR\//.test(userAgent)
      ? "Opera"
      : /Firefox\//.test(userAgent)
        ? "Firefox"
        : /Chrom(e|ium)\//.test(userAgent)
          ? "Chrome"
          : /Safari\//.test(userAgent)
            ? "Safari"
            : null;
  const system = /Windows/.test(userAgent)
    ? "Windows"
    : /iPhone|iPad/.test(userAgent)
      ? "iOS"
      : /Mac OS X/.test(userAgent)
        ? "macOS"
        : /Android/.test(userAgent)
          ? "Android"
          : /CrOS/.test(userAgent)
            ? "ChromeOS"
            : /Linux/.test(userAgent)
              ? "Linux"
              : null;
  if (!browser) return userAgent.split(/[\s/]/)[0] || "Unknown browser";
  return system ? `${browser} on ${system}` : browser;
}

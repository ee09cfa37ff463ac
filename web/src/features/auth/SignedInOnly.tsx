import type { PublicUser } from "@parley/shared";
import type { ReactNode } from "react";
import { Link } from "../../app/router.tsx";
import { errorText } from "../../lib/errors.ts";
import { useAuthPath } from "./navigation.ts";
import { useMe } from "./useMe.ts";

/** Renders its children for an account; a guest or a visitor is asked to sign in first. */
export function SignedInOnly(props: { what: string; children(user: PublicUser): ReactNode }) {
  const me = useMe();
  const authPath = useAuthPath();
  if (me.isPending) {
    return (
      <p role="status" className="muted">
        Loading…
      </p>
    );
  }
  if (me.isError) {
    return (
      <div role="alert" className="error">
        <p>Could not check who you are: {errorText(me.error)}</p>
        <button type="button" onClick={() => me.refetch()}>
          Retry
        </button>
      </div>
    );
  }
  if (!me.data.user) {
    return (
      <p className="form-notice">
        <Link to={authPath("/signin")}>Sign in</Link> to see {props.what}.
      </p>
    );
  }
  return props.children(me.data.user);
}

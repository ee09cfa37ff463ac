import { useEffect, useId, useRef, useState } from "react";
import { Link, usePathname } from "../../app/router.tsx";
import { useAuthPath } from "./navigation.ts";
import { useMe } from "./useMe.ts";
import { useSignInRequired } from "./useSignInRequired.ts";
import "../settings/forms.css";
import "./auth.css";

/**
 * For a guest with a message limit: how many messages are left, and at zero a modal asking them
 * to sign in (not on the sign-in and sign-up pages, which it links to). The count comes from
 * `auth.me`: the chat invalidates it after each send, and it refetches when the window regains
 * focus (another tab may have sent).
 */
export function GuestBanner() {
  const me = useMe();
  const path = usePathname();
  const authPath = useAuthPath();
  // "Not now" lets a guest read the page they are on; the prompt comes back on the next one.
  const [dismissedOn, setDismissedOn] = useState<string | null>(null);
  const dismissed = dismissedOn === path;

  // The banner is always on screen, so it also keeps visitors out where login is required.
  useSignInRequired();

  // A server that requires login has no guests (and reports 0 messages left for nobody).
  const left = me.data?.guest && !me.data.user ? me.data.guestMessagesLeft : null;
  if (left === null || left === undefined) return null;
  const allowSignup = me.data?.features.allowSignup ?? false;
  const onAuthPage = path === "/signin" || path === "/signup";

  return (
    <>
      <div className={`guest-banner${left === 0 ? " guest-banner-empty" : ""}`} role="status">
        <p>
          {left === 0 ? (
            <>
              <strong>You have used all your guest messages.</strong>{" "}
            </>
          ) : (
            <>
              You are chatting as a guest:{" "}
              <strong>
                {left} {left === 1 ? "message" : "messages"} left
              </strong>
              .{" "}
            </>
          )}
          <Link to={authPath("/signin")}>Sign in</Link>
          {allowSignup && (
            <>
              {" "}
              or <Link to={authPath("/signup")}>create an account</Link>
            </>
          )}{" "}
          to keep chatting; your conversations come with you.
        </p>
      </div>
      <GuestLimitDialog
        open={left === 0 && !dismissed && !onAuthPage}
        allowSignup={allowSignup}
        authPath={authPath}
        onClose={() => setDismissedOn(path)}
      />
    </>
  );
}

function GuestLimitDialog(props: {
  open: boolean;
  allowSignup: boolean;
  authPath: ReturnType<typeof useAuthPath>;
  onClose(): void;
}) {
  const { authPath } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) element.showModal();
    if (!props.open && element.open) element.close();
  }, [props.open]);

  return (
    <dialog
      ref={dialog}
      className="dialog guest-limit-dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      {props.open && (
        <>
          <h2 id={titleId} className="dialog-title">
            Sign in to keep chatting
          </h2>
          <p id={bodyId} className="dialog-body">
            You have used all the messages a guest can send. Sign in
            {props.allowSignup ? " or create a free account" : ""} to keep going: your conversations
            move to your account.
          </p>
          <div className="dialog-actions">
            <Link className="button-link" to={authPath("/signin")}>
              Sign in
            </Link>
            {props.allowSignup && (
              <Link className="button-link" to={authPath("/signup")}>
                Create an account
              </Link>
            )}
            <button type="button" className="button-secondary" onClick={props.onClose}>
              Not now
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}

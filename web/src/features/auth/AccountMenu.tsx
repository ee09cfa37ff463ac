import { useEffect, useId, useRef, useState } from "react";
import { Link } from "../../app/router.tsx";
import { useAppliedTheme } from "../settings/useSettings.ts";
import { useAuthPath } from "./navigation.ts";
import { useMe } from "./useMe.ts";
import { useSignOut } from "./useSignOut.ts";
import "../settings/forms.css";
import "./auth.css";

/**
 * The header's account corner: for an account, a disclosure with its email, links to settings,
 * sessions and tokens, and sign out; for a guest, settings and sign-in links.
 */
export function AccountMenu() {
  // The header is on every screen, so it keeps the document's theme in step with the settings.
  useAppliedTheme();
  const me = useMe();
  const authPath = useAuthPath();
  if (!me.data) return null;
  const user = me.data.user;

  if (!user) {
    return (
      <nav className="account-menu account-menu-guest" aria-label="Account">
        {!me.data.features.requireLogin && <Link to="/settings">Settings</Link>}
        <Link to={authPath("/signin")}>Sign in</Link>
        {me.data.features.allowSignup && (
          <Link className="button-link" to={authPath("/signup")}>
            Sign up
          </Link>
        )}
      </nav>
    );
  }
  return <AccountDisclosure label={user.email ?? user.name ?? "Account"} />;
}

function AccountDisclosure({ label }: { label: string }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const signOut = useSignOut();

  // Close on a click or focus outside; Escape closes and returns focus to the button.
  useEffect(() => {
    if (!open) return;
    const outside = (event: Event) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener("pointerdown", outside);
    document.addEventListener("focusin", outside);
    document.addEventListener("keydown", onKeyDown);
    return () => {
      document.removeEventListener("pointerdown", outside);
      document.removeEventListener("focusin", outside);
      document.removeEventListener("keydown", onKeyDown);
    };
  }, [open]);

  return (
    <div className="account-menu" ref={root}>
      <button
        ref={button}
        type="button"
        className="account-menu-button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((value) => !value)}
      >
        <span className="account-avatar" aria-hidden="true">
          {label.slice(0, 1).toUpperCase()}
        </span>
        <span className="visually-hidden">Account menu for </span>
        <span className="account-menu-label">{label}</span>
      </button>
      {open && (
        <div id={panelId} className="account-menu-panel">
          <p className="account-menu-who">
            Signed in as <strong>{label}</strong>
          </p>
          <ul>
            <li>
              <Link to="/settings" onClick={() => setOpen(false)}>
                Settings
              </Link>
            </li>
            <li>
              <Link to="/account/sessions" onClick={() => setOpen(false)}>
                Sessions
              </Link>
            </li>
            <li>
              <Link to="/account/tokens" onClick={() => setOpen(false)}>
                API tokens
              </Link>
            </li>
            <li>
              <Link to="/panel" onClick={() => setOpen(false)}>
                API panel
              </Link>
            </li>
          </ul>
          {signOut.error && (
            <p role="alert" className="form-error">
              Could not sign out: {signOut.error.message}
            </p>
          )}
          <button
            type="button"
            className="button-secondary"
            disabled={signOut.isPending}
            onClick={() => signOut.mutate()}
          >
            {signOut.isPending ? "Signing out…" : "Sign out"}
          </button>
        </div>
      )}
    </div>
  );
}

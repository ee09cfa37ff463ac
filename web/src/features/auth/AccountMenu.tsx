import { Link } from "../../app/router.tsx";
import { useDisclosure } from "../../lib/useDisclosure.ts";
import { useAppliedTheme } from "../settings/useSettings.ts";
import { useAuthPath } from "./navigation.ts";
import { useMe } from "./useMe.ts";
import { useSignOut } from "./useSignOut.ts";
import "../settings/forms.css";
import "./auth.css";
import { errorText } from "../../lib/errors.ts";

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
  const menu = useDisclosure();
  const signOut = useSignOut();

  return (
    <div className="account-menu" ref={menu.rootRef}>
      <button type="button" className="account-menu-button" {...menu.buttonProps}>
        <span className="account-avatar" aria-hidden="true">
          {label.slice(0, 1).toUpperCase()}
        </span>
        <span className="visually-hidden">Account menu for </span>
        <span className="account-menu-label">{label}</span>
      </button>
      {menu.open && (
        <div id={menu.panelId} className="menu-panel account-menu-panel">
          <p className="account-menu-who">
            Signed in as <strong>{label}</strong>
          </p>
          <ul>
            <li>
              <Link to="/settings" onClick={menu.close}>
                Settings
              </Link>
            </li>
            <li>
              <Link to="/account/sessions" onClick={menu.close}>
                Sessions
              </Link>
            </li>
            <li>
              <Link to="/account/tokens" onClick={menu.close}>
                API tokens
              </Link>
            </li>
            <li>
              <Link to="/panel" onClick={menu.close}>
                API panel
              </Link>
            </li>
          </ul>
          {signOut.error && (
            <p role="alert" className="form-error">
              Could not sign out: {errorText(signOut.error)}
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

import type { ReactNode } from "react";
import { useEffect } from "react";
import { Link } from "../../app/router.tsx";
import "../settings/forms.css";
import "./auth.css";
import { useMe } from "./useMe.ts";

/** The frame of the sign-in and sign-up pages, and what they show to someone signed in. */
export function AuthScreen(props: { title: string; children: ReactNode }) {
  const me = useMe();
  useEffect(() => {
    document.title = `${props.title} · Parley`;
  }, [props.title]);

  return (
    <div className="form-scroll">
      <div className="auth-screen">
        <h1>{props.title}</h1>
        {me.data?.user ? (
          <div className="form-notice">
            <p>
              You are signed in as <strong>{me.data.user.email ?? me.data.user.name}</strong>.{" "}
              <Link to="/">Back to your chats</Link>
            </p>
          </div>
        ) : (
          props.children
        )}
      </div>
    </div>
  );
}

/** "Continue with single sign-on", when the server has an OIDC provider. */
export function SingleSignOn(props: { callback: string }) {
  const me = useMe();
  if (!me.data?.features.oidc) return null;
  const href = `/auth/oidc/login?callback=${encodeURIComponent(props.callback)}`;
  return (
    <>
      <a className="button-link auth-sso" href={href}>
        Continue with single sign-on
      </a>
      <p className="auth-divider">
        <span>or use your email</span>
      </p>
    </>
  );
}

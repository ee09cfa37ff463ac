import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { Link } from "../../app/router.tsx";
import { useTRPC } from "../../trpc.ts";
import { AuthScreen, SingleSignOn } from "./AuthScreen.tsx";
import { formErrors } from "./formErrors.ts";
import { useAuthPath, useReturnPath } from "./navigation.ts";
import { TextField } from "./TextField.tsx";
import { useMe } from "./useMe.ts";
import { useAfterSignIn } from "./useSignedIn.ts";

/** /signin: email and password, or single sign-on; a guest's chats come along. */
export default function SignInPage() {
  const trpc = useTRPC();
  const me = useMe();
  const afterSignIn = useAfterSignIn();
  const callback = useReturnPath();
  const authPath = useAuthPath();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const alert = useRef<HTMLDivElement>(null);
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: ({ user }) => afterSignIn(user, callback),
    }),
  );
  const errors = formErrors(signIn.error);
  // A failed attempt moves the focus to what went wrong, so it is read out at once.
  useEffect(() => {
    if (signIn.error) alert.current?.focus();
  }, [signIn.error]);
  const busy = signIn.isPending || signIn.isSuccess;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy) signIn.mutate({ email, password });
  };

  return (
    <AuthScreen title="Sign in">
      <p className="form-page-intro">
        {me.data?.guest
          ? "Your conversations as a guest will move to your account."
          : "Welcome back."}
      </p>
      <SingleSignOn callback={callback} />
      <form className="auth-form" onSubmit={submit} noValidate aria-label="Sign in">
        {errors.form && (
          <div ref={alert} role="alert" tabIndex={-1} className="form-alert">
            {errors.form}
          </div>
        )}
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={errors.fields.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={errors.fields.password}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {me.data?.features.allowSignup && (
        <p className="auth-switch">
          New here? <Link to={authPath("/signup", callback)}>Create an account</Link>
        </p>
      )}
    </AuthScreen>
  );
}

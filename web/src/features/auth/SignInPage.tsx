import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "../../app/router.tsx";
import { useTRPC } from "../../trpc.ts";
import { AuthForm } from "./AuthForm.tsx";
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
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: ({ user }) => afterSignIn(user, callback),
    }),
  );
  const errors = formErrors(signIn.error);
  const busy = signIn.isPending || signIn.isSuccess;

  return (
    <AuthScreen title="Sign in">
      <p className="form-page-intro">
        {me.data?.guest
          ? "Your conversations as a guest will move to your account."
          : "Welcome back."}
      </p>
      <SingleSignOn callback={callback} />
      <AuthForm
        label="Sign in"
        error={signIn.error}
        busy={busy}
        submitLabel="Sign in"
        busyLabel="Signing in…"
        onSubmit={() => signIn.mutate({ email, password })}
      >
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
      </AuthForm>
      {me.data?.features.allowSignup && (
        <p className="auth-switch">
          New here? <Link to={authPath("/signup", callback)}>Create an account</Link>
        </p>
      )}
    </AuthScreen>
  );
}

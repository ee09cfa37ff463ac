import { PASSWORD_MIN_LENGTH } from "@parley/shared";
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

/** /signup: a new account with email and password; a guest's chats move into it. */
export default function SignUpPage() {
  const trpc = useTRPC();
  const me = useMe();
  const afterSignIn = useAfterSignIn();
  const callback = useReturnPath();
  const authPath = useAuthPath();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signUp = useMutation(
    trpc.auth.signUp.mutationOptions({
      onSuccess: ({ user }) => afterSignIn(user, callback),
    }),
  );
  const errors = formErrors(signUp.error);
  const busy = signUp.isPending || signUp.isSuccess;

  if (me.data && !me.data.features.allowSignup) {
    return (
      <AuthScreen title="Create an account">
        <p className="form-notice">
          Sign-up is closed on this server. <Link to={authPath("/signin", callback)}>Sign in</Link>{" "}
          with an existing account instead.
        </p>
      </AuthScreen>
    );
  }

  return (
    <AuthScreen title="Create an account">
      <p className="form-page-intro">
        {me.data?.guest
          ? "Keep chatting without limits; your conversations as a guest come with you."
          : "An account keeps your conversations and settings."}
      </p>
      <SingleSignOn callback={callback} />
      <AuthForm
        label="Create an account"
        error={signUp.error}
        busy={busy}
        submitLabel="Create account"
        busyLabel="Creating your account…"
        onSubmit={() => signUp.mutate({ email, password, ...(name.trim() ? { name } : {}) })}
      >
        <TextField
          label="Name (optional)"
          name="name"
          autoComplete="name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={errors.fields.name}
        />
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
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={errors.fields.password}
        />
      </AuthForm>
      <p className="auth-switch">
        Already have an account? <Link to={authPath("/signin", callback)}>Sign in</Link>
      </p>
    </AuthScreen>
  );
}

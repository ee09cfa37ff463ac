import { type FormEvent, type ReactNode, useEffect, useRef } from "react";
import { type ErrorLike, formErrors } from "./formErrors.ts";

interface AuthFormProps {
  /** The form's accessible name. */
  label: string;
  /** The last attempt's error, if it failed. */
  error: ErrorLike | null;
  /** While true, the button says `busyLabel` and submitting does nothing. */
  busy: boolean;
  submitLabel: string;
  busyLabel: string;
  onSubmit: () => void;
  /** The fields. */
  children: ReactNode;
}

/**
 * The form of the sign-in and sign-up pages: what went wrong above the fields, then the fields,
 * then the submit button.
 */
export function AuthForm({
  label,
  error,
  busy,
  submitLabel,
  busyLabel,
  onSubmit,
  children,
}: AuthFormProps) {
  const alert = useRef<HTMLDivElement>(null);
  const message = formErrors(error).form;
  // A failed attempt moves the focus to what went wrong, so it is read out at once.
  useEffect(() => {
    if (error) alert.current?.focus();
  }, [error]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy) onSubmit();
  };

  return (
    <form className="auth-form" onSubmit={submit} noValidate aria-label={label}>
      {message && (
        <div ref={alert} role="alert" tabIndex={-1} className="form-alert">
          {message}
        </div>
      )}
      {children}
      <button type="submit" disabled={busy}>
        {busy ? busyLabel : submitLabel}
      </button>
    </form>
  );
}

import { type ReactNode, useEffect, useId, useRef, useState } from "react";
import { errorText } from "./errors.ts";

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** The confirm action is running: both buttons wait. */
  busy?: boolean;
  /** Why the last attempt failed, shown in the dialog. */
  error?: string | null;
  onConfirm(): void;
  onCancel(): void;
}

/**
 * The app's one question before something that cannot be undone. The native <dialog> traps
 * focus, closes on Escape and returns focus to the button that opened it; Cancel comes first,
 * so it takes the focus and Enter alone never destroys anything.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, title, children, confirmLabel, busy = false, error, onConfirm, onCancel } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  // Removed while open (its opener went away, or it is shown only while asking): hand the
  // focus back, as closing would.
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    return () => {
      if (dialog.current?.open) opener?.focus?.();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        // Escape: let React state decide, so the dialog and `open` never disagree.
        event.preventDefault();
        if (!busy) onCancel();
      }}
    >
      {open && (
        <>
          <h2 id={titleId} className="dialog-title">
            {title}
          </h2>
          <div id={bodyId} className="dialog-body">
            {children}
          </div>
          {error && (
            <p role="alert" className="form-error dialog-error">
              {error}
            </p>
          )}
          <div className="dialog-actions">
            <button type="button" className="button-secondary" onClick={onCancel} disabled={busy}>
              Cancel
            </button>
            <button type="button" className="button-danger" onClick={onConfirm} disabled={busy}>
              {busy ? "Working…" : confirmLabel}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}

/**
 * Confirm, then act on one item of a list (revoke this token): `ask(item)` opens the dialog,
 * spread `dialog` on a ConfirmDialog; confirming runs `mutation` on the item, and success closes
 * the dialog. `target` is the item asked about.
 */
export function useConfirmedMutation<T, Input>(
  mutation: {
    mutate(input: Input, options: { onSuccess(): void }): void;
    reset(): void;
    isPending: boolean;
    error: unknown;
  },
  inputOf: (item: T) => Input,
) {
  const [target, setTarget] = useState<T | null>(null);
  return {
    target,
    ask: (item: T) => {
      mutation.reset();
      setTarget(item);
    },
    dialog: {
      open: target !== null,
      busy: mutation.isPending,
      error: mutation.error ? errorText(mutation.error) : null,
      onConfirm: () => {
        if (target !== null) mutation.mutate(inputOf(target), { onSuccess: () => setTarget(null) });
      },
      onCancel: () => setTarget(null),
    },
  };
}

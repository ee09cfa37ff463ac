import type { FileRef, SendKey } from "@parley/shared";
import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { FOCUS_COMPOSER } from "../../lib/events.ts";
import { isSendKey } from "../../lib/sendKey.ts";
import { AttachButton, AttachmentTray } from "../attachments/AttachmentTray.tsx";
import { useAttachments } from "../attachments/useAttachments.ts";
import { pastedFiles, useFileDrop } from "../attachments/useFileDrop.ts";

/** The message input: sends with the send key, or stops the running answer. */
export function Composer(props: {
  /** Resolves true when sent (the input then clears); on false it keeps the text and files. */
  onSend: (text: string, files: FileRef[]) => Promise<boolean>;
  sendKey: SendKey;
  /** An answer on this branch is being written: the button stops it; sending waits. */
  running: boolean;
  onStop: () => void;
  /** ↑ in an empty input: edit the last message. */
  onEditLast?: () => void;
  disabled?: boolean;
  autoFocus?: boolean;
  placeholder?: string;
  /** The tools menu, when tools can be chosen here. */
  toolsMenu?: ReactNode;
  /** What the input starts with (a message to send again). */
  initial?: { content: string; files: readonly FileRef[] };
}) {
  const { onSend, sendKey, running, onStop, onEditLast, disabled, autoFocus, placeholder } = props;
  const [text, setText] = useState(props.initial?.content ?? "");
  const [sending, setSending] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  const attachments = useAttachments(props.initial?.files);
  const drop = useFileDrop(attachments.add);

  useEffect(() => {
    if (autoFocus) input.current?.focus();
    const focus = () => input.current?.focus();
    window.addEventListener(FOCUS_COMPOSER, focus);
    return () => window.removeEventListener(FOCUS_COMPOSER, focus);
  }, [autoFocus]);

  // Grows with its text up to a limit (CSS max-height), then scrolls.
  // biome-ignore lint/correctness/useExhaustiveDependencies: measures whenever the text changes.
  useEffect(() => {
    const element = input.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${element.scrollHeight}px`;
  }, [text]);

  const hasContent = text.trim() !== "" || attachments.ready.length > 0;
  const canSend = hasContent && !attachments.uploading && !running && !sending && !disabled;
  const submit = async () => {
    if (!canSend) return;
    setSending(true);
    try {
      if (await onSend(text, attachments.ready)) {
        setText("");
        attachments.clear();
      }
    } finally {
      setSending(false);
      input.current?.focus();
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (isSendKey(event, sendKey)) {
      event.preventDefault();
      void submit();
    } else if (event.key === "ArrowUp" && text === "" && onEditLast) {
      event.preventDefault();
      onEditLast();
    }
  };

  return (
    <form
      className="composer"
      data-dragging={drop.dragging || undefined}
      {...drop.handlers}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <AttachmentTray attachments={attachments} />
      <label className="visually-hidden" htmlFor={`${hintId}-input`}>
        Message
      </label>
      <textarea
        id={`${hintId}-input`}
        ref={input}
        className="composer-input"
        rows={1}
        value={text}
        placeholder={placeholder ?? "Message Parley"}
        aria-describedby={hintId}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        onPaste={(event) => {
          const files = pastedFiles(event);
          if (files.length === 0) return;
          event.preventDefault();
          attachments.add(files);
        }}
        disabled={disabled}
      />
      <AttachButton onFiles={attachments.add} disabled={disabled} />
      {props.toolsMenu}
      {running ? (
        <button type="button" className="composer-button stop" onClick={onStop}>
          <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true">
            <rect x="5" y="5" width="14" height="14" rx="2" fill="currentColor" />
          </svg>
          Stop
        </button>
      ) : (
        <button type="submit" className="composer-button" disabled={!canSend}>
          {sending ? "Sending…" : "Send"}
        </button>
      )}
      <p id={hintId} className="composer-hint muted">
        {sendKey === "mod-enter"
          ? "Ctrl+Enter to send, Enter for a new line"
          : "Enter to send, Shift+Enter for a new line"}
        {running ? " · Esc stops" : ""}
      </p>
    </form>
  );
}

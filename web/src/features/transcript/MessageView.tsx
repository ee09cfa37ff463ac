import type { Message, SendKey } from "@parley/shared";
import { memo, useEffect, useRef, useState } from "react";
import { ConfirmDialog } from "../../lib/ConfirmDialog.tsx";
import { copyText } from "../../lib/clipboard.ts";
import { errorText } from "../../lib/errors.ts";
import { FOCUS_COMPOSER } from "../../lib/events.ts";
import {
  CheckIcon,
  CopyIcon,
  IconButton,
  InspectIcon,
  PencilIcon,
  RetryIcon,
  TrashIcon,
} from "../../lib/icons.tsx";
import { isSendKey } from "../../lib/sendKey.ts";
import { MessageAttachments } from "../attachments/MessageAttachments.tsx";
import { isWriting, type LiveAnswer } from "../generations/store.ts";
import { useLiveAnswer } from "../generations/useGenerations.ts";
import { AnswerWithSteps, mergeSteps, SourcesList, stepsOf } from "../tools/ToolSteps.tsx";
import { BranchNav } from "./BranchNav.tsx";
import { PromptDialog } from "./PromptDialog.tsx";

/** What a message's buttons do (a conversation of one's own); a share has none. */
export interface MessageActions {
  edit(message: Message, content: string): Promise<unknown>;
  retry(message: Message): Promise<unknown>;
  continue(message: Message): Promise<unknown>;
  deleteBranch(message: Message): Promise<unknown>;
}

interface CommonProps {
  message: Message;
  siblings: readonly Message[];
  onSelectBranch: (message: Message) => void;
  /** An answer on the shown path is being written: no other sends meanwhile. */
  busy: boolean;
  /** What the buttons do; without it the message is read-only (a shared conversation). */
  actions?: MessageActions;
  /** A send failed: show why. */
  onFailure: (message: string) => void;
}

export const UserMessage = memo(function UserMessage(
  props: CommonProps & {
    editing: boolean;
    onEditing: (editing: boolean) => void;
    sendKey: SendKey;
    /** Set when shown in a shared conversation: its viewers read the files through the share. */
    shareId?: string;
  },
) {
  const { message, siblings, onSelectBranch, busy, actions, onFailure, editing, onEditing } = props;
  const [confirming, setConfirming] = useState(false);
  return (
    <article
      className="message message-user"
      aria-label="Your message"
      data-message-id={message.id}
    >
      {editing && actions ? (
        <EditForm
          initial={message.content}
          sendKey={props.sendKey}
          busy={busy}
          onCancel={() => {
            onEditing(false);
            window.dispatchEvent(new Event(FOCUS_COMPOSER));
          }}
          onSubmit={async (content) => {
            try {
              await actions.edit(message, content);
              onEditing(false);
              window.dispatchEvent(new Event(FOCUS_COMPOSER));
            } catch (cause) {
              onFailure(errorText(cause));
            }
          }}
        />
      ) : (
        <>
          <MessageAttachments files={message.files} shareId={props.shareId} />
          {message.content !== "" && <div className="user-bubble">{message.content}</div>}
        </>
      )}
      {!editing && (
        <footer className="message-footer">
          <BranchNav siblings={siblings} current={message} onSelect={onSelectBranch} />
          <span className="message-actions">
            {actions && (
              <IconButton
                label="Edit message"
                title="Edit"
                disabled={busy}
                onClick={() => onEditing(true)}
              >
                <PencilIcon />
              </IconButton>
            )}
            <CopyButton text={message.content} label="Copy message" />
            {actions && (
              <IconButton
                label="Delete branch"
                title="Delete this message and what follows"
                onClick={() => setConfirming(true)}
              >
                <TrashIcon />
              </IconButton>
            )}
          </span>
        </footer>
      )}
      {confirming && actions && (
        <ConfirmDialog
          open
          title="Delete this branch?"
          confirmLabel="Delete"
          onConfirm={() => {
            setConfirming(false);
            void actions.deleteBranch(message).catch((e) => onFailure(errorText(e)));
          }}
          onCancel={() => setConfirming(false)}
        >
          <p>This message and every message after it on this branch will be deleted.</p>
        </ConfirmDialog>
      )}
    </article>
  );
});

function EditForm(props: {
  initial: string;
  sendKey: SendKey;
  busy: boolean;
  onCancel: () => void;
  onSubmit: (content: string) => Promise<void>;
}) {
  const { initial, sendKey, busy, onCancel, onSubmit } = props;
  const [value, setValue] = useState(initial);
  const [saving, setSaving] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const element = input.current;
    if (!element) return;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
    element.style.height = `${element.scrollHeight}px`;
  }, []);
  const submit = async () => {
    if (!value.trim() || busy || saving) return;
    setSaving(true);
    await onSubmit(value);
    setSaving(false);
  };
  return (
    <form
      className="edit-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <textarea
        ref={input}
        className="edit-input"
        aria-label="Edit message"
        value={value}
        onChange={(event) => {
          setValue(event.target.value);
          event.target.style.height = "auto";
          event.target.style.height = `${event.target.scrollHeight}px`;
        }}
        onKeyDown={(event) => {
          if (isSendKey(event, sendKey)) {
            event.preventDefault();
            void submit();
          } else if (event.key === "Escape") {
            event.preventDefault();
            event.stopPropagation();
            onCancel();
          }
        }}
      />
      <div className="edit-actions">
        <button type="button" className="button-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={!value.trim() || busy || saving}>
          {saving ? "Sending…" : "Send"}
        </button>
      </div>
    </form>
  );
}

export const AssistantMessage = memo(function AssistantMessage(
  props: CommonProps & {
    /** No message below it: it may be continued. */
    isLeaf: boolean;
    showReasoning: boolean;
    modelName: string | null;
  },
) {
  const { message, siblings, onSelectBranch, busy, actions, onFailure, isLeaf } = props;
  const [confirming, setConfirming] = useState(false);
  const [inspecting, setInspecting] = useState(false);
  const live = useLiveAnswer(message.id);
  const view = describe(message, live);

  const act = (action: () => Promise<unknown>) => () =>
    void action().catch((cause) => onFailure(errorText(cause)));

  return (
    <article
      className="message message-assistant"
      aria-label="Answer"
      aria-busy={view.running}
      data-message-id={message.id}
      data-status={
        view.running
          ? "streaming"
          : view.error
            ? "error"
            : view.interrupted
              ? "interrupted"
              : view.truncated
                ? "truncated"
                : "done"
      }
    >
      {props.showReasoning && view.reasoning && (
        <details className="reasoning" open={view.running && view.text === ""}>
          <summary>Reasoning</summary>
          <div className="reasoning-text">{view.reasoning}</div>
        </details>
      )}
      <AnswerWithSteps text={view.text} steps={view.steps} streaming={view.running} />
      <SourcesList steps={view.steps} />
      {view.running && view.text === "" && view.steps.length === 0 && (
        <span className="typing" role="status" aria-label="Writing">
          <span />
          <span />
          <span />
        </span>
      )}
      {live?.status === "reconnecting" && (
        <p className="stream-status" role="status">
          Reconnecting…
        </p>
      )}
      {view.error && (
        <div className="error message-error" role="alert">
          <p>{view.error}</p>
          {actions && (
            <button type="button" onClick={act(() => actions.retry(message))} disabled={busy}>
              Retry
            </button>
          )}
        </div>
      )}
      {!view.running && !view.error && (view.interrupted || view.truncated) && (
        <p className="stopped-note">
          {view.interrupted ? (
            <span className="badge badge-plain">Stopped</span>
          ) : (
            <span className="badge badge-plain" title="The model reached its output token limit">
              Cut off at the length limit
            </span>
          )}
          {isLeaf && actions && (
            <button
              type="button"
              className="button-secondary"
              onClick={act(() => actions.continue(message))}
              disabled={busy}
            >
              Continue
            </button>
          )}
        </p>
      )}
      <footer className="message-footer">
        <BranchNav siblings={siblings} current={message} onSelect={onSelectBranch} />
        {!view.running && (
          <span className="message-actions">
            <CopyButton text={view.text} label="Copy answer" />
            {actions && (
              <>
                <IconButton
                  label="Retry"
                  title="Write another answer"
                  disabled={busy}
                  onClick={act(() => actions.retry(message))}
                >
                  <RetryIcon />
                </IconButton>
                <IconButton
                  label="Inspect prompt"
                  title="Inspect prompt"
                  onClick={() => setInspecting(true)}
                >
                  <InspectIcon />
                </IconButton>
                <IconButton
                  label="Delete branch"
                  title="Delete this answer and what follows"
                  onClick={() => setConfirming(true)}
                >
                  <TrashIcon />
                </IconButton>
              </>
            )}
          </span>
        )}
        <MessageFacts modelName={props.modelName} message={message} usage={view.usage} />
      </footer>
      {confirming && actions && (
        <ConfirmDialog
          open
          title="Delete this branch?"
          confirmLabel="Delete"
          onConfirm={() => {
            setConfirming(false);
            act(() => actions.deleteBranch(message))();
          }}
          onCancel={() => setConfirming(false)}
        >
          <p>This answer and every message after it on this branch will be deleted.</p>
        </ConfirmDialog>
      )}
      {inspecting && (
        <PromptDialog
          conversationId={message.conversationId}
          messageId={message.id}
          onClose={() => setInspecting(false)}
        />
      )}
    </article>
  );
});

/** What an answer shows: the live stream while there is one, else the saved message. */
function describe(message: Message, live: LiveAnswer | undefined) {
  const streamed = live && live.status !== "gone";
  const running = isWriting(message, live);
  return {
    running,
    text: streamed ? live.text : message.content,
    reasoning: streamed ? live.reasoning || message.reasoning : message.reasoning,
    interrupted:
      streamed && live.status === "finished" ? live.interrupted : !running && message.interrupted,
    truncated:
      streamed && live.status === "finished" ? live.truncated : !running && message.truncated,
    error: streamed && live.error ? live.error.message : running ? null : message.error,
    usage: (streamed ? live.usage : null) ?? message.usage,
    steps: mergeSteps(stepsOf(message.toolRounds), live?.steps ?? []),
  };
}

function MessageFacts(props: {
  modelName: string | null;
  message: Message;
  usage: Message["usage"];
}) {
  const { modelName, message, usage } = props;
  const facts: string[] = [];
  if (modelName) facts.push(modelName);
  if (usage) {
    facts.push(
      `${usage.inputTokens.toLocaleString()} in · ${usage.outputTokens.toLocaleString()} out`,
    );
  }
  if (message.timeToFirstTokenMs !== null) {
    facts.push(`first token ${message.timeToFirstTokenMs.toLocaleString()} ms`);
  }
  if (facts.length === 0) return null;
  return <span className="message-facts muted">{facts.join(" · ")}</span>;
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  useEffect(() => {
    if (copied === null) return;
    const timer = window.setTimeout(() => setCopied(null), 2000);
    return () => window.clearTimeout(timer);
  }, [copied]);
  return (
    <IconButton
      label={copied ? "Copied" : label}
      title={copied === false ? "Copy failed" : copied ? "Copied" : label}
      onClick={() => void copyText(text).then(setCopied)}
    >
      {copied ? <CheckIcon /> : <CopyIcon />}
    </IconButton>
  );
}

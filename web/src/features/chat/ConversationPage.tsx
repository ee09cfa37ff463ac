import { buildTree, DEFAULT_SETTINGS, type FileRef, type Message } from "@parley/shared";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { Link, useRouteParams } from "../../app/router.tsx";
import { errorCode, errorText } from "../../lib/errors.ts";
import { useTRPC } from "../../trpc.ts";
import { useActiveGenerations } from "../conversations/activeGenerations.tsx";
import { titleOf } from "../conversations/groups.ts";
import { ExportMenu } from "../export-import/ExportMenu.tsx";
import { ENDED } from "../generations/applyEvent.ts";
import { isWriting } from "../generations/store.ts";
import { useFollowAnswers, useGenerationStore } from "../generations/useGenerations.ts";
import { ModelPicker } from "../models/ModelPicker.tsx";
import { useSettings } from "../settings/useSettings.ts";
import { ShareButton } from "../shares/ShareButton.tsx";
import { ToolsMenu, useToolsAvailable } from "../tools/ToolsMenu.tsx";
import { shownPath, useBranchChoice } from "../transcript/branches.ts";
import { MessageList, type MessageListHandle } from "../transcript/MessageList.tsx";
import { useAutoScroll } from "../transcript/useAutoScroll.ts";
import { Composer } from "./Composer.tsx";
import { SystemPromptDialog } from "./SystemPromptDialog.tsx";
import { useChatActions } from "./useChatActions.ts";
import { useOpenAtMessage } from "./useOpenAtMessage.ts";

/** `/c/:conversationId`: one conversation, the shown branch of its tree. */
export default function ConversationPage() {
  const { conversationId = "" } = useRouteParams();
  // A new conversation starts with fresh state (scroll, editing, errors).
  return <ConversationView key={conversationId} conversationId={conversationId} />;
}

function ConversationView({ conversationId }: { conversationId: string }) {
  const trpc = useTRPC();
  const settings = useSettings().settings ?? DEFAULT_SETTINGS;
  const query = useQuery(trpc.conversations.get.queryOptions({ id: conversationId }));
  const conversation = query.data;
  const branches = useBranchChoice(conversationId);
  const { choice, choose } = branches;
  const actions = useChatActions(conversation, branches);
  const store = useGenerationStore();

  const tree = useMemo(() => buildTree(conversation?.messages ?? []), [conversation]);
  const path = useMemo(() => shownPath(tree, choice), [tree, choice]);

  // The answers on the path being written (or sent) stream while the page shows them.
  const answers = useMemo(() => path.filter((message) => message.role === "assistant"), [path]);
  useFollowAnswers(conversationId, answers);
  // Re-rendered when an answer starts or ends, not on every word.
  const runningId = useSyncExternalStore(
    store.subscribe,
    () => answers.find((answer) => isWriting(answer, store.get(answer.id)))?.id,
  );
  const running = runningId === undefined ? undefined : tree.byId.get(runningId);

  // An answer whose stream ended here while the refetched message still names its generation
  // (the server forgets it a moment after its last event): ask again shortly.
  const endedOnPath = useSyncExternalStore(store.subscribe, () =>
    answers.some((answer) => {
      const live = store.get(answer.id);
      return (
        answer.generationId !== null &&
        live?.generationId === answer.generationId &&
        ENDED.has(live.status)
      );
    }),
  );
  useEffect(() => {
    if (!endedOnPath) return;
    const timer = window.setTimeout(() => void actions.refresh(), 250);
    return () => window.clearTimeout(timer);
  }, [endedOnPath, actions]);

  // A generation started elsewhere (another tab) in this conversation: load it to stream it.
  const known = useRef(new Set<string>());
  for (const message of conversation?.messages ?? []) {
    if (message.generationId) known.current.add(message.generationId);
  }
  const active = useActiveGenerations();
  useEffect(() => {
    const unknown = active.some(
      (generation) =>
        generation.conversationId === conversationId &&
        !known.current.has(generation.generationId) &&
        // Not one this tab is sending (its message is a draft until the send returns).
        store.get(generation.messageId) === undefined,
    );
    if (unknown) void actions.refresh();
  }, [active, conversationId, actions, store]);

  const title = conversation ? titleOf(conversation) : "Conversation";
  useEffect(() => {
    document.title = `${title} — Parley`;
  }, [title]);

  const [failure, setFailure] = useState<string | null>(null);
  const [editingId, setEditingId] = useState<string | null>(null);
  const [editingPrompt, setEditingPrompt] = useState(false);

  const stop = useCallback(() => {
    if (runningId) void actions.stop(runningId).catch((e) => setFailure(errorText(e)));
  }, [runningId, actions]);

  // Esc stops the answer being written (unless a dialog or an editor wants the key).
  useEffect(() => {
    if (!running) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      if (document.querySelector("dialog[open]")) return;
      event.preventDefault();
      stop();
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [running, stop]);

  const onSelectBranch = useCallback(
    (message: Message) => choose([tree.parentOf(message.id), message.id]),
    [choose, tree],
  );

  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const list = useRef<MessageListHandle>(null);
  const { following, jumpToLatest } = useAutoScroll(scroller, content);
  // ?m=<messageId> (a search result): its branch, scrolled to.
  useOpenAtMessage({ tree, path, choose, list });

  const last = path.at(-1);
  const lastUser = path.findLast((message) => message.role === "user");
  const busy = running !== undefined;
  const toolsAvailable = useToolsAvailable(conversation?.model);
  // Chosen in the menu; until then the conversation's last choice, else the settings' default.
  const [pickedTools, setPickedTools] = useState<{ id: string; tools: string[] }>();
  const picked = pickedTools?.id === conversationId ? pickedTools.tools : undefined;
  const tools = picked ?? conversation?.tools ?? settings.tools;

  const send = async (text: string, files: FileRef[]): Promise<boolean> => {
    setFailure(null);
    try {
      if (last?.role === "user") {
        // The last question has no answer on this branch (it was deleted): a message can only
        // follow an answer, so the new one takes that question's place, as a branch beside it.
        await actions.edit(last, text, files);
        return true;
      }
      await actions.sendNew(text, last?.id ?? null, files, toolsAvailable ? picked : undefined);
      return true;
    } catch (cause) {
      setFailure(errorText(cause));
      return false;
    }
  };

  return (
    <div className="chat" data-wrap-code={settings.wrapCode || undefined}>
      <header className="chat-header">
        <h1 className="chat-title" title={title}>
          {title}
        </h1>
        {conversation && (
          <div className="chat-tools">
            <ModelPicker
              value={conversation.model}
              onChange={(model) =>
                void actions.setModel(model).catch((e) => setFailure(errorText(e)))
              }
            />
            <button
              type="button"
              className="button-secondary"
              onClick={() => setEditingPrompt(true)}
              aria-label="System prompt"
              title={conversation.systemPrompt || "No system prompt"}
            >
              System prompt{conversation.systemPrompt ? " ●" : ""}
            </button>
            <ShareButton conversationId={conversationId} leafId={last?.id} disabled={busy} />
            <ExportMenu conversationId={conversationId} leafId={last?.id} />
          </div>
        )}
      </header>
      <div className="messages-scroller" ref={scroller}>
        <div className="messages" ref={content}>
          {query.isPending ? (
            <p className="muted" role="status">
              Loading…
            </p>
          ) : query.isError ? (
            <div className="error" role="alert">
              <p>
                {errorCode(query.error) === "NOT_FOUND"
                  ? "This conversation does not exist, or was deleted."
                  : `Could not load this conversation: ${errorText(query.error)}`}
              </p>
              <Link to="/">Start a new chat</Link>
            </div>
          ) : (
            <MessageList
              tree={tree}
              path={path}
              scroller={scroller}
              startAtEnd
              handle={list}
              onSelectBranch={onSelectBranch}
              busy={busy}
              actions={actions}
              onFailure={setFailure}
              editingId={editingId}
              onEditing={setEditingId}
              sendKey={settings.sendKey}
              showReasoning={settings.showReasoning}
            />
          )}
        </div>
      </div>
      {!following && (
        <button type="button" className="jump-latest" onClick={jumpToLatest}>
          ↓ Jump to latest
        </button>
      )}
      <div className="composer-area">
        {failure && (
          <p role="alert" className="error composer-error">
            {failure}
          </p>
        )}
        <Composer
          onSend={send}
          sendKey={settings.sendKey}
          running={busy}
          onStop={stop}
          onEditLast={lastUser && !busy ? () => setEditingId(lastUser.id) : undefined}
          disabled={!conversation}
          autoFocus
          toolsMenu={
            toolsAvailable ? (
              <ToolsMenu
                value={tools}
                onChange={(chosen) => setPickedTools({ id: conversationId, tools: chosen })}
              />
            ) : undefined
          }
        />
      </div>
      {editingPrompt && conversation && (
        <SystemPromptDialog
          initial={conversation.systemPrompt}
          onSave={actions.setSystemPrompt}
          onClose={() => setEditingPrompt(false)}
        />
      )}
    </div>
  );
}

import { DEFAULT_SETTINGS, type FileRef, type Message } from "@parley/shared";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useRouteParams } from "../../app/router.tsx";
import { useTRPC } from "../../trpc.ts";
import { useActiveGenerations } from "../conversations/activeGenerations.tsx";
import { titleOf } from "../conversations/groups.ts";
import { useConversationCache } from "../conversations/useConversationCache.ts";
import { ExportMenu } from "../exchange/ExportMenu.tsx";
import { useSettings } from "../settings/useSettings.ts";
import { ShareButton } from "../shares/ShareButton.tsx";
import { ToolsMenu, useToolsAvailable } from "../tools/ToolsMenu.tsx";
import { Composer } from "./Composer.tsx";
import { messageOf } from "./errors.ts";
import { MessageList } from "./MessageList.tsx";
import { ModelPicker } from "./ModelPicker.tsx";
import { SystemPromptDialog } from "./SystemPromptDialog.tsx";
import { buildTree, shownPath, useBranchChoice } from "./tree.ts";
import { useAutoScroll } from "./useAutoScroll.ts";
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
  const { choice, choose } = useBranchChoice(conversationId);
  const actions = useChatActions(conversation, choose);
  const cache = useConversationCache();

  const tree = useMemo(() => buildTree(conversation?.messages ?? []), [conversation]);
  const path = useMemo(() => shownPath(tree, choice), [tree, choice]);

  // Generations whose stream has ended here, though the refetched message may still name them.
  const [ended, setEnded] = useState<ReadonlySet<string>>(() => new Set());
  const running = path.find(
    (message) => message.generationId !== null && !ended.has(message.generationId),
  );
  const endedOnPath = path.some(
    (message) => message.generationId && ended.has(message.generationId),
  );
  useEffect(() => {
    // The server forgets a generation a moment after its last event: ask again shortly.
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
        generation.conversationId === conversationId && !known.current.has(generation.generationId),
    );
    if (unknown) void actions.refresh();
  }, [active, conversationId, actions]);

  const title = conversation ? titleOf(conversation) : "Conversation";
  useEffect(() => {
    document.title = `${title} — Parley`;
  }, [title]);

  const [failure, setFailure] = useState<string | null>(null);
  const [editingId, setEditingId] = useState<string | null>(null);
  const [editingPrompt, setEditingPrompt] = useState(false);

  const stop = useCallback(() => {
    const generationId = running?.generationId;
    if (generationId) void actions.stop(generationId).catch((e) => setFailure(messageOf(e)));
  }, [running, actions]);

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

  const onTitle = useCallback(
    (newTitle: string) => cache.setTitle(conversationId, newTitle),
    [cache, conversationId],
  );
  const onEnded = useCallback(
    (generationId: string) => {
      setEnded((current) => new Set(current).add(generationId));
      void actions.refresh();
      void cache.refreshList();
    },
    [actions, cache],
  );
  const onSelectBranch = useCallback(
    (message: Message) => choose([message.parentId, message.id]),
    [choose],
  );

  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const { following, jumpToLatest } = useAutoScroll(scroller, content);
  // ?m=<messageId> (a search result): its branch, scrolled to.
  useOpenAtMessage({ tree, path, choose, scroller });

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
      setFailure(messageOf(cause));
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
                void actions.setModel(model).catch((e) => setFailure(messageOf(e)))
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
                {query.error.data?.code === "NOT_FOUND"
                  ? "This conversation does not exist, or was deleted."
                  : `Could not load this conversation: ${query.error.message}`}
              </p>
              <Link to="/">Start a new chat</Link>
            </div>
          ) : (
            <MessageList
              tree={tree}
              path={path}
              onSelectBranch={onSelectBranch}
              busy={busy}
              actions={actions}
              onFailure={setFailure}
              editingId={editingId}
              onEditing={setEditingId}
              sendKey={settings.sendKey}
              smoothing={settings.streamingSmoothing}
              showReasoning={settings.showReasoning}
              onTitle={onTitle}
              onEnded={onEnded}
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

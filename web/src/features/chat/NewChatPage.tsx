import { DEFAULT_SETTINGS, type FileRef } from "@parley/shared";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, useSyncExternalStore } from "react";
import { navigate } from "../../app/router.tsx";
import { errorText } from "../../lib/errors.ts";
import { useTRPC } from "../../trpc.ts";
import { useConversationCache } from "../conversations/useConversationCache.ts";
import type { startAndFollow as StartAndFollowFn } from "../generations/followSend.ts";
import type { GenerationStore } from "../generations/store.ts";
import { ModelPicker } from "../models/ModelPicker.tsx";
import { useSettings } from "../settings/useSettings.ts";
import { ToolsMenu, useToolsAvailable } from "../tools/ToolsMenu.tsx";
import { Composer } from "./Composer.tsx";
import { draftMessage, hashesOf, newDraftId, newMessageId } from "./drafts.ts";

/** The answer streams (loaded with the first send: `/` itself stays light). */
const loadGenerations = () =>
  Promise.all([import("../generations/storeFor.ts"), import("../generations/followSend.ts")]);

type StartAndFollow = typeof StartAndFollowFn;

/** A first message that the server refused after its page had opened: shown again here. */
interface Refused {
  /** Tells one refusal from the next (the composer starts again with each). */
  id: number;
  content: string;
  files: FileRef[];
  error: string;
}

// The page may have been left (and come back to), or never have gone (the conversation's page
// was still loading): either way it shows the refusal, through this.
let refused: Refused | null = null;
const refusedListeners = new Set<() => void>();
function setRefused(value: Refused | null) {
  refused = value;
  for (const listener of refusedListeners) listener();
}
function onRefused(listener: () => void) {
  refusedListeners.add(listener);
  return () => refusedListeners.delete(listener);
}

/**
 * `/`: an empty chat. The first message opens the conversation's page with the message and its
 * answer at once; one send makes the conversation, and the answer streams once it returns. A
 * refused send comes back here with its text, files and reason, and leaves nothing behind.
 */
export default function NewChatPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const cache = useConversationCache();
  const settings = useSettings().settings ?? DEFAULT_SETTINGS;
  const models = useQuery(trpc.models.list.queryOptions());
  const send = useMutation(trpc.messages.send.mutationOptions()).mutateAsync;
  const [picked, setPicked] = useState<string | null>(null);
  const comeBack = useSyncExternalStore(onRefused, () => refused);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    document.title = "New chat — Parley";
    // Shown once: a later visit starts empty.
    return () => setRefused(null);
  }, []);

  const configured = models.data?.models ?? [];
  const preferred = configured.some((model) => model.id === settings.defaultModel)
    ? settings.defaultModel
    : null;
  const model = picked ?? preferred ?? models.data?.defaultModel;
  const toolsAvailable = useToolsAvailable(model);
  const [pickedTools, setPickedTools] = useState<string[] | null>(null);
  const chosenTools = toolsAvailable && pickedTools ? pickedTools : undefined;

  const start = async (content: string, files: FileRef[] = []): Promise<boolean> => {
    setError(null);
    setRefused(null);
    // The client names the conversation: its page opens at once, and the one send that starts
    // it makes nothing at all when refused.
    const conversationId = newMessageId();
    let store: GenerationStore;
    let startAndFollow: StartAndFollow;
    try {
      const [{ generationStoreFor }, followed] = await loadGenerations();
      store = generationStoreFor(queryClient, trpc, cache);
      startAndFollow = followed.startAndFollow;
    } catch (cause) {
      setError(errorText(cause));
      return false;
    }
    const queryKey = trpc.conversations.get.queryKey({ id: conversationId });
    const questionId = newDraftId();
    const answerId = newMessageId();
    const now = new Date();
    // Shown at once on the conversation's page; the refetch once the send has returned
    // replaces it (until then it is fresh, so the page does not ask for it).
    queryClient.setQueryData(queryKey, {
      id: conversationId,
      title: "",
      model: model ?? "",
      systemPrompt: settings.systemPrompt,
      tools: chosenTools ?? null,
      createdAt: now,
      updatedAt: now,
      messages: [
        draftMessage({
          id: questionId,
          conversationId,
          parentId: null,
          role: "user",
          content,
          files,
        }),
        draftMessage({
          id: answerId,
          conversationId,
          parentId: questionId,
          role: "assistant",
          model: model ?? null,
          interrupted: true,
        }),
      ],
    });
    const sending = startAndFollow(
      store,
      send,
      {
        conversationId,
        newConversation: model ? { model } : {},
        content,
        mode: "new",
        ...hashesOf(files),
        ...(chosenTools ? { tools: chosenTools } : {}),
      },
      { messageId: answerId },
    );
    navigate(`/c/${conversationId}`);
    sending.then(
      () => {
        void queryClient.invalidateQueries({ queryKey });
        void cache.refreshList();
        void queryClient.invalidateQueries(trpc.auth.me.queryFilter());
      },
      (cause: unknown) => {
        // The message was refused (a limit…): its conversation was never made.
        cache.remove(conversationId);
        if (window.location.pathname === `/c/${conversationId}`) {
          setRefused({ id: Date.now(), content, files, error: errorText(cause) });
          navigate("/", { replace: true });
        }
      },
    );
    return true;
  };

  return (
    <div className="chat">
      <header className="chat-header">
        <h1 className="chat-title">New chat</h1>
        <div className="chat-tools">
          <ModelPicker value={model} onChange={setPicked} />
        </div>
      </header>
      <div className="messages-scroller">
        <div className="empty-chat">
          <p className="empty-chat-title">How can I help?</p>
        </div>
      </div>
      <div className="composer-area">
        {(error ?? comeBack?.error) && (
          <p role="alert" className="error composer-error">
            {error ?? comeBack?.error}
          </p>
        )}
        <Composer
          key={comeBack?.id ?? 0}
          onSend={start}
          sendKey={settings.sendKey}
          running={false}
          onStop={() => {}}
          initial={comeBack ?? undefined}
          autoFocus
          toolsMenu={
            toolsAvailable ? (
              <ToolsMenu value={pickedTools ?? settings.tools} onChange={setPickedTools} />
            ) : undefined
          }
        />
      </div>
    </div>
  );
}

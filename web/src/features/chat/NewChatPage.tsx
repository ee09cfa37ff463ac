import { DEFAULT_SETTINGS, type FileRef } from "@parley/shared";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { navigate } from "../../app/router.tsx";
import { useTRPC, useTRPCClient } from "../../trpc.ts";
import { useConversationCache } from "../conversations/useConversationCache.ts";
import { useSettings } from "../settings/useSettings.ts";
import { ToolsMenu, useToolsAvailable } from "../tools/ToolsMenu.tsx";
import { Composer } from "./Composer.tsx";
import { messageOf } from "./errors.ts";
import { ModelPicker } from "./ModelPicker.tsx";
import { draftMessage } from "./useChatActions.ts";

/** `/`: an empty chat; the first message creates the conversation and opens it. */
export default function NewChatPage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const cache = useConversationCache();
  const settings = useSettings().settings ?? DEFAULT_SETTINGS;
  const models = useQuery(trpc.models.list.queryOptions());
  const [picked, setPicked] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    document.title = "New chat — Parley";
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
    let conversationId: string | undefined;
    try {
      ({ conversationId } = await client.conversations.create.mutate(model ? { model } : {}));
      const sent = await client.messages.send.mutate({
        conversationId,
        content,
        mode: "new",
        ...(files.length > 0 ? { files: files.map((file) => file.sha256) } : {}),
        ...(chosenTools ? { tools: chosenTools } : {}),
      });
      const now = new Date();
      const userId = sent.userMessageId ?? "";
      // Shown at once on the conversation's page; the refetch there replaces it.
      queryClient.setQueryData(trpc.conversations.get.queryKey({ id: conversationId }), {
        id: conversationId,
        title: "",
        model: model ?? "",
        systemPrompt: settings.systemPrompt,
        tools: chosenTools ?? null,
        createdAt: now,
        updatedAt: now,
        messages: [
          draftMessage({
            id: userId,
            conversationId,
            parentId: null,
            role: "user",
            content,
            files,
          }),
          draftMessage({
            id: sent.assistantMessageId,
            conversationId,
            parentId: userId,
            role: "assistant",
            model: model ?? null,
            interrupted: true,
            generationId: sent.generationId,
          }),
        ],
      });
      void queryClient.invalidateQueries({
        queryKey: trpc.conversations.get.queryKey({ id: conversationId }),
        refetchType: "none",
      });
      void cache.refreshList();
      void queryClient.invalidateQueries(trpc.auth.me.queryFilter());
      navigate(`/c/${conversationId}`);
      return true;
    } catch (cause) {
      setError(messageOf(cause));
      // The message was refused (a limit…): do not leave an empty conversation behind.
      if (conversationId) {
        void client.conversations.delete.mutate({ id: conversationId }).catch(() => {});
      }
      return false;
    }
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
        {error && (
          <p role="alert" className="error composer-error">
            {error}
          </p>
        )}
        <Composer
          onSend={start}
          sendKey={settings.sendKey}
          running={false}
          onStop={() => {}}
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

import type {
  Conversation,
  FileRef,
  Message,
  SendMessageInput,
  SendMessageOutput,
} from "@parley/shared";
import { useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC, useTRPCClient } from "../../trpc.ts";
import { useConversationCache } from "../conversations/useConversationCache.ts";
import type { BranchChoice } from "./tree.ts";

/** A message as the server will have stored it, to show before the conversation refetches. */
export function draftMessage(
  fields: Pick<Message, "id" | "conversationId" | "parentId" | "role"> & Partial<Message>,
): Message {
  const now = new Date();
  return {
    content: "",
    reasoning: "",
    interrupted: false,
    truncated: false,
    error: null,
    model: null,
    parameters: null,
    usage: null,
    timeToFirstTokenMs: null,
    generationId: null,
    files: [],
    toolRounds: [],
    createdAt: now,
    updatedAt: now,
    ...fields,
  };
}

type Choose = (...picks: [parentId: string | null, childId: string][]) => void;

/**
 * Everything that changes a conversation's tree: each sends, shows its result at once in the
 * cached conversation (so the answer starts streaming without waiting for a refetch), shows the
 * new branch, and then refetches.
 */
export function useChatActions(conversation: Conversation | undefined, choose: Choose) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const cache = useConversationCache();

  return useMemo(() => {
    const id = conversation?.id ?? "";
    const model = conversation?.model ?? null;
    const queryKey = trpc.conversations.get.queryKey({ id });
    const edit = (change: (messages: Message[]) => Message[]) =>
      queryClient.setQueryData(queryKey, (current) =>
        current ? { ...current, messages: change(current.messages) } : current,
      );
    const send = async (input: SendMessageInput): Promise<SendMessageOutput> => {
      const result = await client.messages.send.mutate(input);
      return result;
    };
    const settle = () => {
      void queryClient.invalidateQueries({ queryKey });
      void cache.refreshList();
      // The guest banner counts messages left.
      void queryClient.invalidateQueries(trpc.auth.me.queryFilter());
    };
    const answer = (result: SendMessageOutput, parentId: string) =>
      draftMessage({
        id: result.assistantMessageId,
        conversationId: id,
        parentId,
        role: "assistant",
        model,
        interrupted: true,
        generationId: result.generationId,
      });

    return {
      /**
       * A new user message under `parentId` (the last answer; null at the root), with `tools`
       * chosen for it (remembered for the conversation) when given.
       */
      async sendNew(
        content: string,
        parentId: string | null,
        files: readonly FileRef[] = [],
        tools?: string[],
      ) {
        const result = await send({
          conversationId: id,
          parentId,
          content,
          mode: "new",
          ...hashesOf(files),
          ...(tools ? { tools } : {}),
        });
        const userId = result.userMessageId ?? "";
        edit((messages) => [
          ...messages,
          draftMessage({
            id: userId,
            conversationId: id,
            parentId,
            role: "user",
            content,
            files: [...files],
          }),
          answer(result, userId),
        ]);
        choose([parentId, userId], [userId, result.assistantMessageId]);
        settle();
        return result;
      },
      /** Another answer to the question `message` answers (or to `message`, a question). */
      async retry(message: Message) {
        const questionId = message.role === "user" ? message.id : message.parentId;
        if (!questionId) return;
        const result = await send({ conversationId: id, mode: "retry", messageId: message.id });
        edit((messages) => [...messages, answer(result, questionId)]);
        choose([questionId, result.assistantMessageId]);
        settle();
        return result;
      },
      /** A sibling of the user message `message` with new text (and its files), and an answer. */
      async edit(message: Message, content: string, files: readonly FileRef[] = message.files) {
        const result = await send({
          conversationId: id,
          mode: "edit",
          messageId: message.id,
          content,
          ...hashesOf(files),
        });
        const userId = result.userMessageId ?? "";
        edit((messages) => [
          ...messages,
          draftMessage({
            id: userId,
            conversationId: id,
            parentId: message.parentId,
            role: "user",
            content,
            files: [...files],
          }),
          answer(result, userId),
        ]);
        choose([message.parentId, userId], [userId, result.assistantMessageId]);
        settle();
        return result;
      },
      /** Lets the model go on with an interrupted or truncated answer. */
      async continue(message: Message) {
        const result = await send({ conversationId: id, mode: "continue", messageId: message.id });
        edit((messages) =>
          messages.map((each) =>
            each.id === message.id
              ? {
                  ...each,
                  generationId: result.generationId,
                  interrupted: true,
                  truncated: false,
                  error: null,
                }
              : each,
          ),
        );
        settle();
        return result;
      },
      async stop(generationId: string) {
        await client.generations.stop.mutate({ generationId });
      },
      /** Deletes `message` and everything below it. */
      async deleteBranch(message: Message) {
        const gone = new Set([message.id]);
        edit((messages) => {
          // Children come after their parents (by creation), so one pass finds the subtree.
          for (const each of messages)
            if (each.parentId && gone.has(each.parentId)) gone.add(each.id);
          return messages.filter((each) => !gone.has(each.id));
        });
        try {
          await client.messages.delete.mutate({ conversationId: id, messageId: message.id });
        } finally {
          settle();
        }
      },
      async setModel(nextModel: string) {
        const saved = await client.conversations.update.mutate({ id, model: nextModel });
        queryClient.setQueryData(queryKey, (current) => current && { ...current, ...saved });
        void cache.refreshList();
      },
      async setSystemPrompt(systemPrompt: string) {
        const saved = await client.conversations.update.mutate({ id, systemPrompt });
        queryClient.setQueryData(queryKey, (current) => current && { ...current, ...saved });
      },
      /** Refetches the conversation (a stream ended, or another tab changed it). */
      refresh() {
        return queryClient.invalidateQueries({ queryKey });
      },
    };
  }, [conversation?.id, conversation?.model, trpc, client, queryClient, cache, choose]);
}

export type ChatActions = ReturnType<typeof useChatActions>;
export type { BranchChoice };

/** The `files` of a send: omitted when there are none. */
function hashesOf(files: readonly FileRef[]): Pick<SendMessageInput, "files"> {
  return files.length > 0 ? { files: files.map((file) => file.sha256) } : {};
}

import {
  buildTree,
  type Conversation,
  type FileRef,
  type Message,
  type SendMessageInput,
  type SendMessageOutput,
  subtree,
} from "@parley/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useRef } from "react";
import { useTRPC } from "../../trpc.ts";
import { useConversationCache } from "../conversations/useConversationCache.ts";
import { followSend } from "../generations/followSend.ts";
import { useGenerationStore } from "../generations/useGenerations.ts";
import { type BranchChoice, type Choose, ROOT } from "../transcript/branches.ts";
import type { MessageActions } from "../transcript/MessageView.tsx";
import { draftMessage, hashesOf, newDraftId, newMessageId } from "./drafts.ts";

/** What a send shows at once: messages added and fork choices made, undone if it fails. */
interface Drafts {
  add?: Message[];
  /** A message (a continued answer) as it shows while the send is on its way, and as it was. */
  change?: { shown: Message; before: Message };
  picks?: [parentId: string | null, childId: string][];
}

/**
 * Everything that changes a conversation's tree. A send shows its question and answer at once
 * in the cached conversation (the answer streams while the send is on its way), shows the new
 * branch, and refetches once the send has returned; a refused send takes them away again.
 */
export function useChatActions(
  conversation: Conversation | undefined,
  branches: { choice: BranchChoice; choose: Choose },
) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const cache = useConversationCache();
  const store = useGenerationStore();
  const send = useMutation(trpc.messages.send.mutationOptions()).mutateAsync;
  const stopGeneration = useMutation(trpc.generations.stop.mutationOptions()).mutateAsync;
  const deleteMessage = useMutation(trpc.messages.delete.mutationOptions()).mutateAsync;
  const update = useMutation(trpc.conversations.update.mutationOptions()).mutateAsync;
  // Read when a send fails, to put the fork choices back as they were.
  const choiceRef = useRef(branches.choice);
  choiceRef.current = branches.choice;
  const { choose } = branches;

  const actions = useMemo(() => {
    const id = conversation?.id ?? "";
    const model = conversation?.model ?? null;
    const queryKey = trpc.conversations.get.queryKey({ id });
    const edit = (change: (messages: Message[]) => Message[]) =>
      queryClient.setQueryData(queryKey, (current) =>
        current ? { ...current, messages: change(current.messages) } : current,
      );
    const settle = () => {
      void queryClient.invalidateQueries({ queryKey });
      void cache.refreshList();
      // The guest banner counts messages left.
      void queryClient.invalidateQueries(trpc.auth.me.queryFilter());
    };

    /** Shows `drafts`, sends, then puts the server's ids in place of the drafts' (or undoes them). */
    const sendShown = async (
      input: SendMessageInput,
      answerId: string,
      drafts: Drafts,
      baseText = "",
    ): Promise<SendMessageOutput> => {
      const { add = [], change, picks = [] } = drafts;
      // A refetch already on its way would land after the drafts and wipe them.
      await queryClient.cancelQueries({ queryKey });
      const previousPicks = picks.map(([parentId]): [string | null, string | undefined] => [
        parentId,
        choiceRef.current[parentId ?? ROOT],
      ]);
      edit((messages) => [
        ...messages.map((each) => (each.id === change?.shown.id ? change.shown : each)),
        ...add,
      ]);
      choose(...picks);
      let result: SendMessageOutput;
      try {
        result = await followSend(store, send, input, { messageId: answerId, baseText });
      } catch (error) {
        const added = new Set(add.map((each) => each.id));
        edit((messages) =>
          messages
            .filter((each) => !added.has(each.id))
            .map((each) => (each.id === change?.before.id ? change.before : each)),
        );
        choose(...previousPicks);
        throw error;
      }
      // The question's draft id becomes the server's; the answer's id was ours already.
      const draftQuestion = add.find((each) => each.role === "user")?.id;
      const questionId = result.userMessageId;
      const real = (messageId: string | null) =>
        messageId !== null && messageId === draftQuestion && questionId ? questionId : messageId;
      edit((messages) =>
        messages.map((each) => {
          if (each.id === result.assistantMessageId) {
            return { ...each, parentId: real(each.parentId), generationId: result.generationId };
          }
          return each.id === draftQuestion ? { ...each, id: real(each.id) ?? each.id } : each;
        }),
      );
      choose(
        ...picks.map(([parentId, childId]): [string | null, string] => [
          real(parentId),
          real(childId) ?? childId,
        ]),
        // The draft's own choice goes with it.
        ...(draftQuestion ? [[draftQuestion, undefined] as [string, undefined]] : []),
      );
      settle();
      return result;
    };

    /** A question `content` under `parentId` and its answer, as drafts. */
    const question = (parentId: string | null, content: string, files: readonly FileRef[]) => {
      const questionId = newDraftId();
      const answerId = newMessageId();
      return {
        answerId,
        add: [
          draftMessage({
            id: questionId,
            conversationId: id,
            parentId,
            role: "user",
            content,
            files: [...files],
          }),
          answerDraft(answerId, questionId),
        ],
        picks: [
          [parentId, questionId],
          [questionId, answerId],
        ] as [string | null, string][],
      };
    };
    const answerDraft = (answerId: string, parentId: string) =>
      draftMessage({
        id: answerId,
        conversationId: id,
        parentId,
        role: "assistant",
        model,
        interrupted: true,
      });

    return {
      /**
       * A new user message under `parentId` (the last answer; null at the root), with `tools`
       * chosen for it (remembered for the conversation) when given.
       */
      sendNew(
        content: string,
        parentId: string | null,
        files: readonly FileRef[] = [],
        tools?: string[],
      ) {
        const drafts = question(parentId, content, files);
        return sendShown(
          {
            conversationId: id,
            parentId,
            content,
            mode: "new",
            ...hashesOf(files),
            ...(tools ? { tools } : {}),
          },
          drafts.answerId,
          drafts,
        );
      },
      /** Another answer to the question `message` answers (or to `message`, a question). */
      async retry(message: Message) {
        const questionId = message.role === "user" ? message.id : message.parentId;
        if (!questionId) return;
        const answerId = newMessageId();
        return sendShown({ conversationId: id, mode: "retry", messageId: message.id }, answerId, {
          add: [answerDraft(answerId, questionId)],
          picks: [[questionId, answerId]],
        });
      },
      /** A sibling of the user message `message` with new text (and its files), and an answer. */
      edit(message: Message, content: string, files: readonly FileRef[] = message.files) {
        const drafts = question(message.parentId, content, files);
        return sendShown(
          { conversationId: id, mode: "edit", messageId: message.id, content, ...hashesOf(files) },
          drafts.answerId,
          drafts,
        );
      },
      /** Lets the model go on with an interrupted or truncated answer. */
      continue(message: Message) {
        return sendShown(
          { conversationId: id, mode: "continue", messageId: message.id },
          message.id,
          {
            change: {
              shown: {
                ...message,
                interrupted: true,
                truncated: false,
                error: null,
                generationId: null,
              },
              before: message,
            },
          },
          message.content,
        );
      },
      /** Stops the answer `messageId`, once its send has returned if it is still on its way. */
      async stop(messageId: string) {
        const generationId = await store.generationOf(messageId);
        if (generationId) await stopGeneration({ generationId });
      },
      /** Deletes `message` and everything below it. */
      async deleteBranch(message: Message) {
        await queryClient.cancelQueries({ queryKey });
        edit((messages) => {
          const gone = new Set(subtree(buildTree(messages), message.id).map((each) => each.id));
          return messages.filter((each) => !gone.has(each.id));
        });
        try {
          await deleteMessage({ conversationId: id, messageId: message.id });
        } finally {
          settle();
        }
      },
      async setModel(nextModel: string) {
        const saved = await update({ id, model: nextModel });
        queryClient.setQueryData(queryKey, (current) => current && { ...current, ...saved });
        void cache.refreshList();
      },
      async setSystemPrompt(systemPrompt: string) {
        const saved = await update({ id, systemPrompt });
        queryClient.setQueryData(queryKey, (current) => current && { ...current, ...saved });
      },
      /** Refetches the conversation (a stream ended, or another tab changed it). */
      refresh() {
        return queryClient.invalidateQueries({ queryKey });
      },
    };
  }, [
    conversation?.id,
    conversation?.model,
    trpc,
    queryClient,
    cache,
    store,
    send,
    stopGeneration,
    deleteMessage,
    update,
    choose,
  ]);
  return actions satisfies MessageActions;
}

export type ChatActions = ReturnType<typeof useChatActions>;

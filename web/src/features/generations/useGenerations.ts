import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useSyncExternalStore } from "react";
import { useTRPC } from "../../trpc.ts";
import { useConversationCache } from "../conversations/useConversationCache.ts";
import type { GenerationStore, LiveAnswer } from "./store.ts";
import { generationStoreFor } from "./storeFor.ts";

/** The app's answers being written (see store.ts). */
export function useGenerationStore(): GenerationStore {
  return generationStoreFor(useQueryClient(), useTRPC(), useConversationCache());
}

/** The answer `messageId` as its stream shows it now; undefined when no stream is followed. */
export function useLiveAnswer(messageId: string): LiveAnswer | undefined {
  const store = useGenerationStore();
  return useSyncExternalStore(store.subscribe, () => store.get(messageId));
}

/**
 * Follows the answers among `messages` that are being written (or sent) while the calling
 * component shows them: each one's stream stays open however its view comes and goes.
 */
export function useFollowAnswers(
  conversationId: string,
  messages: readonly { id: string; generationId: string | null }[],
) {
  const store = useGenerationStore();
  // Re-read on every store change: a send adds an answer to follow.
  useSyncExternalStore(store.subscribe, () => messages.filter((m) => store.get(m.id)).length);
  const answers = messages.filter(
    (message) => message.generationId !== null || store.get(message.id) !== undefined,
  );
  const keys = answers.map((answer) => `${answer.id}:${answer.generationId ?? ""}`);
  const held = useRef(new Map<string, () => void>());

  // biome-ignore lint/correctness/useExhaustiveDependencies: `keys` names the answers.
  useEffect(() => {
    const wanted = new Set(keys);
    for (const [key, release] of held.current) {
      if (wanted.has(key)) continue;
      release();
      held.current.delete(key);
    }
    for (const [index, answer] of answers.entries()) {
      const key = keys[index] ?? "";
      if (held.current.has(key)) continue;
      held.current.set(
        key,
        store.follow({ messageId: answer.id, conversationId, generationId: answer.generationId }),
      );
    }
  }, [keys.join(","), store, conversationId]);

  useEffect(() => {
    const current = held.current;
    return () => {
      for (const release of current.values()) release();
      current.clear();
    };
  }, []);
}

import { DEFAULT_SETTINGS } from "@parley/shared";
import type { QueryClient } from "@tanstack/react-query";
import type { Trpc } from "../../trpc.ts";
import type { ConversationCache } from "../conversations/useConversationCache.ts";
import { createGenerationStore, type GenerationStore } from "./store.ts";

// One store per query client (one per mounted app), made by the first page that needs it.
const stores = new WeakMap<QueryClient, GenerationStore>();

/** The app's answers being written (see store.ts). */
export function generationStoreFor(
  queryClient: QueryClient,
  trpc: Trpc,
  cache: ConversationCache,
): GenerationStore {
  let store = stores.get(queryClient);
  if (!store) {
    const settingsKey = trpc.settings.get.queryKey();
    store = createGenerationStore({
      open: (input, handlers) =>
        trpc.generations.stream.subscriptionOptions(input).subscribe(handlers),
      smoothing: () =>
        (queryClient.getQueryData(settingsKey) ?? DEFAULT_SETTINGS).streamingSmoothing,
      onTitle: (conversationId, title) => cache.setTitle(conversationId, title),
      onEnd: (conversationId) => {
        void queryClient.invalidateQueries({
          queryKey: trpc.conversations.get.queryKey({ id: conversationId }),
        });
        void cache.refreshList();
      },
    });
    stores.set(queryClient, store);
  }
  return store;
}

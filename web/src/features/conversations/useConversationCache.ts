import type { ConversationListItem, ConversationsListOutput } from "@parley/shared";
import { type InfiniteData, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "../../trpc.ts";

/** Edits of the cached conversation list and conversations, so changes show before a refetch. */
export function useConversationCache() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMemo(() => {
    const listFilter = trpc.conversations.list.pathFilter();
    const editList = (edit: (items: ConversationListItem[]) => ConversationListItem[]) =>
      queryClient.setQueriesData<InfiniteData<ConversationsListOutput>>(listFilter, (data) =>
        data?.pages
          ? { ...data, pages: data.pages.map((page) => ({ ...page, items: edit(page.items) })) }
          : data,
      );
    return {
      /** Renames a conversation in the list and in its own query. */
      setTitle(id: string, title: string) {
        editList((items) => items.map((item) => (item.id === id ? { ...item, title } : item)));
        queryClient.setQueryData(trpc.conversations.get.queryKey({ id }), (conversation) =>
          conversation ? { ...conversation, title } : conversation,
        );
      },
      remove(id: string) {
        editList((items) => items.filter((item) => item.id !== id));
        queryClient.removeQueries({ queryKey: trpc.conversations.get.queryKey({ id }) });
      },
      /** Refetches the list (after a send moved a conversation to the top, or added one). */
      refreshList() {
        return queryClient.invalidateQueries(listFilter);
      },
    };
  }, [trpc, queryClient]);
}

export type ConversationCache = ReturnType<typeof useConversationCache>;

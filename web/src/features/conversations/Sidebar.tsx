import type { ConversationSummary } from "@parley/shared";
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, matchPath, navigate, usePathname } from "../../app/router.tsx";
import { ConfirmDialog } from "../../lib/ConfirmDialog.tsx";
import { IconButton, PencilIcon, PlusIcon, TrashIcon } from "../../lib/icons.tsx";
import { useTRPC } from "../../trpc.ts";
import { useActiveGenerations } from "./activeGenerations.tsx";
import { groupByDay, titleOf } from "./groups.ts";
import { ListFailure, NextPageOnScroll } from "./PagedList.tsx";
import { SearchBox, SearchResults } from "./SidebarSearch.tsx";
import { useConversationCache } from "./useConversationCache.ts";

/** The conversation list: newest first, grouped by day, loading more as it scrolls. */
export function Sidebar({ id, onNewChat }: { id: string; onNewChat: () => void }) {
  const trpc = useTRPC();
  const pathname = usePathname();
  const currentId = matchPath("/c/:conversationId", pathname)?.conversationId;
  const list = useInfiniteQuery(
    trpc.conversations.list.infiniteQueryOptions(
      {},
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const active = useActiveGenerations();
  const running = useMemo(
    () => new Set(active.map((generation) => generation.conversationId)),
    [active],
  );
  const cache = useConversationCache();
  const [search, setSearch] = useState("");

  // A conversation that starts or ends a generation moves in the list (its activity changed).
  const runningKey = [...running].sort().join(",");
  const firstRun = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh when the running set changes.
  useEffect(() => {
    if (firstRun.current) {
      firstRun.current = false;
      return;
    }
    void cache.refreshList();
  }, [runningKey, cache]);

  const items = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const groups = useMemo(() => groupByDay(items), [items]);

  return (
    <nav id={id} className="shell-sidebar" aria-labelledby="conversations-heading">
      <button
        type="button"
        className="new-chat"
        onClick={onNewChat}
        aria-keyshortcuts="Control+Shift+O Meta+Shift+O"
      >
        <PlusIcon />
        New chat
        <span className="shortcut" aria-hidden="true">
          Ctrl ⇧ O
        </span>
      </button>
      <SearchBox value={search} onChange={setSearch} />
      <h2 id="conversations-heading" className="sidebar-heading">
        Conversations
      </h2>
      {search.trim() ? (
        <SearchResults search={search} currentId={currentId} />
      ) : list.isPending ? (
        <p className="muted sidebar-note" role="status">
          Loading…
        </p>
      ) : list.isError ? (
        <ListFailure
          message="Could not load your conversations."
          onRetry={() => void list.refetch()}
        />
      ) : items.length === 0 ? (
        <p className="muted sidebar-note">No conversations yet.</p>
      ) : (
        <div className="conversation-groups">
          {groups.map((group) => (
            <section key={group.label} aria-label={group.label} className="conversation-group">
              <h3 className="group-heading">{group.label}</h3>
              <ul className="conversation-list">
                {group.items.map((conversation) => (
                  <ConversationItem
                    key={conversation.id}
                    conversation={conversation}
                    current={conversation.id === currentId}
                    running={running.has(conversation.id)}
                  />
                ))}
              </ul>
            </section>
          ))}
          <NextPageOnScroll list={list} />
        </div>
      )}
    </nav>
  );
}

function ConversationItem(props: {
  conversation: ConversationSummary;
  current: boolean;
  running: boolean;
}) {
  const { conversation, current, running } = props;
  const trpc = useTRPC();
  const cache = useConversationCache();
  const [renaming, setRenaming] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const title = titleOf(conversation);

  const rename = useMutation(
    trpc.conversations.update.mutationOptions({
      onMutate: ({ title }) => {
        if (title !== undefined) cache.setTitle(conversation.id, title);
      },
      onError: () => void cache.refreshList(),
    }),
  );
  const remove = useMutation(
    trpc.conversations.delete.mutationOptions({
      onMutate: () => {
        cache.remove(conversation.id);
        if (current) navigate("/", { replace: true });
      },
      onSettled: () => void cache.refreshList(),
    }),
  );

  return (
    <li className="conversation-item" data-current={current || undefined}>
      {renaming ? (
        <RenameInput
          initial={conversation.title}
          onDone={(value) => {
            setRenaming(false);
            if (value !== null && value.trim() !== conversation.title) {
              rename.mutate({ id: conversation.id, title: value.trim() });
            }
          }}
        />
      ) : (
        <>
          <Link
            to={`/c/${conversation.id}`}
            className="conversation-link"
            aria-current={current ? "page" : undefined}
            title={title}
          >
            {running && (
              <span className="running-dot" role="img" aria-label="Answer being written" />
            )}
            <span className="conversation-title">{title}</span>
          </Link>
          <span className="conversation-actions">
            <IconButton
              label={`Rename “${title}”`}
              title="Rename"
              onClick={() => setRenaming(true)}
            >
              <PencilIcon />
            </IconButton>
            <IconButton
              label={`Delete “${title}”`}
              title="Delete"
              onClick={() => setConfirming(true)}
            >
              <TrashIcon />
            </IconButton>
          </span>
        </>
      )}
      {confirming && (
        <ConfirmDialog
          open
          title="Delete this conversation?"
          confirmLabel="Delete"
          onConfirm={() => {
            setConfirming(false);
            remove.mutate({ id: conversation.id });
          }}
          onCancel={() => setConfirming(false)}
        >
          <p>“{title}” and all its messages will be deleted. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </li>
  );
}

/** Enter saves, Esc cancels, leaving the field saves. */
function RenameInput({
  initial,
  onDone,
}: {
  initial: string;
  onDone: (value: string | null) => void;
}) {
  const [value, setValue] = useState(initial);
  const done = useRef(false);
  const finish = (result: string | null) => {
    if (done.current) return;
    done.current = true;
    onDone(result);
  };
  return (
    <input
      className="rename-input"
      aria-label="Conversation title"
      value={value}
      maxLength={200}
      // biome-ignore lint/a11y/noAutofocus: the field appears because the user asked to rename.
      autoFocus
      onFocus={(event) => event.currentTarget.select()}
      onChange={(event) => setValue(event.target.value)}
      onKeyDown={(event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          finish(value);
        } else if (event.key === "Escape") {
          event.preventDefault();
          event.stopPropagation();
          finish(null);
        }
      }}
      onBlur={() => finish(value)}
    />
  );
}

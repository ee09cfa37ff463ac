// The sidebar's search: a box, and while it has words, ranked full-text results in place of the
// list, each with the best-matching message's snippet. A result opens the conversation at that
// message (`/c/:id?m=<messageId>`), which the conversation page shows on its branch.

import type { ConversationListItem, SnippetPart } from "@parley/shared";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link } from "../../app/router.tsx";
import { useTRPC } from "../../trpc.ts";
import { titleOf } from "./groups.ts";
import { ListFailure, NextPageOnScroll } from "./PagedList.tsx";
import "./search.css";

/** Typing pauses this long before a search is sent. */
const DEBOUNCE_MS = 250;

/** `value` once it has not changed for `ms`; `initial` until then. */
function useDebounced<T>(value: T, ms: number, initial: T): T {
  const [debounced, setDebounced] = useState(initial);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function SearchBox(props: { value: string; onChange: (value: string) => void }) {
  return (
    <div className="sidebar-search">
      <input
        type="search"
        className="sidebar-search-input"
        aria-label="Search conversations"
        placeholder="Search"
        maxLength={200}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape" && props.value) {
            event.preventDefault();
            event.stopPropagation();
            props.onChange("");
          }
        }}
      />
    </div>
  );
}

/** Ranked results for `search` (debounced here), loading more as they scroll. */
export function SearchResults({ search, currentId }: { search: string; currentId?: string }) {
  const trpc = useTRPC();
  // The first key typed waits too: no search for a lone "s".
  const query = useDebounced(search.trim(), DEBOUNCE_MS, "");
  const results = useInfiniteQuery(
    trpc.conversations.list.infiniteQueryOptions(
      { search: query },
      {
        getNextPageParam: (page) => page.nextCursor,
        enabled: query !== "",
        // Results of the previous words stay until the new ones arrive: no flicker while typing.
        placeholderData: (previous) => previous,
      },
    ),
  );
  const items = useMemo(
    () => results.data?.pages.flatMap((page) => page.items) ?? [],
    [results.data],
  );

  if (results.isError) {
    return (
      <ListFailure
        message="Could not search your conversations."
        onRetry={() => void results.refetch()}
      />
    );
  }
  const settled = results.data !== undefined && !results.isPlaceholderData;
  return (
    <section className="search-results" aria-label="Search results" aria-busy={!settled}>
      <p className="muted sidebar-note" role="status">
        {!settled
          ? "Searching…"
          : items.length === 0
            ? `No conversations match “${query}”.`
            : `${items.length}${results.hasNextPage ? "+" : ""} ${items.length === 1 ? "match" : "matches"}`}
      </p>
      <ul className="conversation-list">
        {items.map((item) => (
          <SearchResult key={item.id} item={item} current={item.id === currentId} />
        ))}
      </ul>
      <NextPageOnScroll list={results} />
    </section>
  );
}

function SearchResult({ item, current }: { item: ConversationListItem; current: boolean }) {
  const messageId = item.match?.messageId;
  const to = messageId ? `/c/${item.id}?m=${encodeURIComponent(messageId)}` : `/c/${item.id}`;
  const title = titleOf(item);
  return (
    <li className="conversation-item search-result" data-current={current || undefined}>
      <Link to={to} className="conversation-link search-result-link" title={title}>
        <span className="conversation-title">
          {/* Only the title matched: its snippet is the title, highlighted. */}
          {item.match && !messageId && item.match.snippet.length > 0 ? (
            <Snippet parts={item.match.snippet} />
          ) : (
            title
          )}
        </span>
        {messageId && item.match && (
          <span className="search-snippet">
            <Snippet parts={item.match.snippet} />
          </span>
        )}
      </Link>
    </li>
  );
}

/** The snippet as text, matched words in <mark>: the server sends parts, never HTML. */
export function Snippet({ parts }: { parts: readonly SnippetPart[] }) {
  return (
    <>
      {parts.map((part, index) =>
        part.highlight ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts are fixed for a result.
          <mark key={index}>{part.text}</mark>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts are fixed for a result.
          <span key={index}>{part.text}</span>
        ),
      )}
    </>
  );
}

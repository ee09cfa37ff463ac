// Pieces both sidebar lists share (the conversations, the search results): both load in pages.

import { useEffect, useRef } from "react";

/** The end of a paged list: when it scrolls into view, the next page loads. */
export function NextPageOnScroll(props: {
  /** The list's infinite query. */
  list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
}) {
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = props.list;
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = sentinel.current;
    if (!element || !hasNextPage) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && !isFetchingNextPage) {
        void fetchNextPage();
      }
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  return (
    <div ref={sentinel} className="list-sentinel">
      {isFetchingNextPage && <span className="muted">Loading more…</span>}
    </div>
  );
}

/** A list that could not load, in words, with a way to try again. */
export function ListFailure(props: { message: string; onRetry: () => void }) {
  return (
    <div role="alert" className="error sidebar-note">
      <p>{props.message}</p>
      <button type="button" onClick={props.onRetry}>
        Retry
      </button>
    </div>
  );
}

import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { errorText } from "./errors.ts";

/** A query's data once it is there; until then "Loading…", or why it failed and a way to retry. */
export function Loaded<T>(props: {
  query: UseQueryResult<T, { message: string }>;
  /** "Loading tokens…" */
  loading: string;
  /** "Could not load your tokens": the error's message follows. */
  failure: string;
  children: (data: T) => ReactNode;
}) {
  const { query } = props;
  if (query.isPending) {
    return (
      <p role="status" className="muted">
        {props.loading}
      </p>
    );
  }
  if (query.isError) {
    return (
      <div role="alert" className="error">
        <p>
          {props.failure}: {errorText(query.error)}
        </p>
        <button type="button" onClick={() => query.refetch()}>
          Retry
        </button>
      </div>
    );
  }
  return props.children(query.data);
}

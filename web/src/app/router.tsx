// A small history router: the app has a handful of flat routes, so a library would add more
// than it saves. Routes live in routes.tsx; components read params with useRouteParams().

import {
  type AnchorHTMLAttributes,
  createContext,
  type MouseEvent,
  useContext,
  useSyncExternalStore,
} from "react";

const NAVIGATED = "parley:navigated";

function subscribe(onChange: () => void) {
  window.addEventListener("popstate", onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

/** The current path, e.g. "/c/abc" (re-renders on navigation). */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** The current query string, e.g. "?next=%2F". */
export function useSearch(): string {
  return useSyncExternalStore(subscribe, () => window.location.search);
}

/** Goes to `to` (a path with an optional query) without reloading the page. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const current = window.location.pathname + window.location.search;
  if (to !== current) {
    if (options.replace) window.history.replaceState(null, "", to);
    else window.history.pushState(null, "", to);
  }
  window.dispatchEvent(new Event(NAVIGATED));
}

/** An <a> that navigates in place on a plain click and behaves as a link otherwise. */
export function Link({
  to,
  onClick,
  ...props
}: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  return (
    <a
      {...props}
      href={to}
      onClick={(event: MouseEvent<HTMLAnchorElement>) => {
        onClick?.(event);
        const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
        if (event.defaultPrevented || event.button !== 0 || modified || props.target) return;
        event.preventDefault();
        navigate(to);
      }}
    />
  );
}

/** `pattern` like "/c/:conversationId" against a path: the params, or null if it does not match. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = pathname.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const segment = have[index] ?? "";
    if (part.startsWith(":")) {
      try {
        params[part.slice(1)] = decodeURIComponent(segment);
      } catch {
        return null;
      }
    } else if (part !== segment) {
      return null;
    }
  }
  return params;
}

export const RouteParamsContext = createContext<Record<string, string>>({});

/** The matched route's params, e.g. `{ conversationId }` on /c/:conversationId. */
export function useRouteParams(): Record<string, string> {
  return useContext(RouteParamsContext);
}

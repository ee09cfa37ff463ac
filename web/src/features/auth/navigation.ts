import { navigate, usePathname, useSearch } from "../../app/router.tsx";

/**
 * Where the account screens send people. A `callback` taken from the address bar can only lead
 * somewhere inside Parley (a path, never another origin).
 */
export function safeCallback(value: string | null | undefined, fallback = "/"): string {
  if (!value?.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) {
    return fallback;
  }
  return value;
}

/** The `callback` in the current address, or "/". */
export function useReturnPath(): string {
  return safeCallback(new URLSearchParams(useSearch()).get("callback"));
}

/** Builds links to the sign-in and sign-up pages that come back to the current page. */
export function useAuthPath() {
  const here = usePathname() + useSearch();
  return (page: "/signin" | "/signup", callback: string = here) =>
    callback === "/" || callback.startsWith("/signin") || callback.startsWith("/signup")
      ? page
      : `${page}?callback=${encodeURIComponent(callback)}`;
}

/** Goes to a page of the app after an account change. */
export function goTo(path: string) {
  navigate(path);
}

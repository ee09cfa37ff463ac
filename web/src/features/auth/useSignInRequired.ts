import { useEffect } from "react";
import { navigate, usePathname, useSearch } from "../../app/router.tsx";
import { useMe } from "./useMe.ts";

const OPEN_PAGES = new Set(["/signin", "/signup"]);

/**
 * On a server with REQUIRE_LOGIN, sends a visitor who is not signed in to the sign-in page
 * (coming back here afterwards) instead of letting every screen fail with UNAUTHORIZED.
 */
export function useSignInRequired() {
  const me = useMe();
  const pathname = usePathname();
  const search = useSearch();
  const required = me.data?.features.requireLogin === true && !me.data.user;

  useEffect(() => {
    if (!required || OPEN_PAGES.has(pathname)) return;
    const here = pathname + search;
    const target = here === "/" ? "/signin" : `/signin?callback=${encodeURIComponent(here)}`;
    navigate(target, { replace: true });
  }, [required, pathname, search]);
}

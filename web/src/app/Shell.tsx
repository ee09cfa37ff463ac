import { Suspense, useEffect, useState } from "react";
import { AccountMenu } from "../features/auth/AccountMenu.tsx";
import { GuestBanner } from "../features/auth/GuestBanner.tsx";
import { ActiveGenerationsProvider } from "../features/conversations/activeGenerations.tsx";
import { Sidebar } from "../features/conversations/Sidebar.tsx";
import { DemoModeBanner } from "../features/models/DemoModeBanner.tsx";
import { UnavailableModelsBanner } from "../features/models/UnavailableModelsBanner.tsx";
import { FOCUS_COMPOSER } from "../lib/events.ts";
import { IconButton, MenuIcon } from "../lib/icons.tsx";
import { Link, matchPath, navigate, RouteParamsContext, usePathname } from "./router.tsx";
import { routes } from "./routes.tsx";

/** The page layout: header, conversation sidebar (a drawer on narrow screens), the page. */
export function Shell() {
  const pathname = usePathname();
  const [drawerOpen, setDrawerOpen] = useState(false);

  // A page opened from the drawer closes it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation by design.
  useEffect(() => setDrawerOpen(false), [pathname]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      if (mod && event.shiftKey && event.key.toLowerCase() === "o") {
        event.preventDefault();
        startNewChat();
      } else if (event.key === "Escape" && drawerOpen) {
        setDrawerOpen(false);
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [drawerOpen]);

  return (
    <ActiveGenerationsProvider>
      <div className="shell" data-drawer={drawerOpen ? "open" : "closed"}>
        <a className="skip-link" href="#main">
          Skip to main content
        </a>
        <header className="shell-header">
          <IconButton
            className="drawer-toggle"
            label={drawerOpen ? "Close conversations" : "Open conversations"}
            aria-expanded={drawerOpen}
            aria-controls="sidebar"
            onClick={() => setDrawerOpen((open) => !open)}
          >
            <MenuIcon />
          </IconButton>
          <Link to="/" className="brand">
            <img className="brand-mark" src="/favicon.svg" alt="" width="24" height="24" />
            Parley
          </Link>
          <div className="header-end">
            <AccountMenu />
          </div>
        </header>
        <div className="shell-banners">
          <DemoModeBanner />
          <UnavailableModelsBanner />
          <GuestBanner />
        </div>
        <Sidebar id="sidebar" onNewChat={startNewChat} />
        {drawerOpen && (
          <button
            type="button"
            className="drawer-backdrop"
            aria-label="Close conversations"
            tabIndex={-1}
            onClick={() => setDrawerOpen(false)}
          />
        )}
        <main id="main" className="shell-main" tabIndex={-1}>
          <Suspense fallback={<p className="page-loading muted">Loading…</p>}>
            <Page pathname={pathname} />
          </Suspense>
        </main>
      </div>
    </ActiveGenerationsProvider>
  );
}

function startNewChat() {
  navigate("/");
  window.dispatchEvent(new Event(FOCUS_COMPOSER));
}

function Page({ pathname }: { pathname: string }) {
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params) {
      const Component = route.page;
      return (
        <RouteParamsContext.Provider value={params}>
          <Component key={route.path} />
        </RouteParamsContext.Provider>
      );
    }
  }
  return (
    <section className="not-found">
      <h1>Page not found</h1>
      <p>
        There is nothing at <code>{pathname}</code>. <Link to="/">Start a new chat</Link>.
      </p>
    </section>
  );
}

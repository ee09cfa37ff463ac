// Every page of the app, in one table. Each page is its own chunk (lazy), so a visit downloads
// only the pages it opens. A page is a default export with no props; it reads its params with
// useRouteParams() from ./router.tsx.

import { type ComponentType, type LazyExoticComponent, lazy } from "react";

export interface Route {
  /** Segments, with `:name` for a param. */
  path: string;
  page: LazyExoticComponent<ComponentType>;
}

export const routes: Route[] = [
  // Chat (features/chat)
  { path: "/", page: lazy(() => import("../features/chat/NewChatPage.tsx")) },
  { path: "/c/:conversationId", page: lazy(() => import("../features/chat/ConversationPage.tsx")) },
  { path: "/s/:shareId", page: lazy(() => import("../features/shares/SharePage.tsx")) },

  // Settings and accounts (features/settings, features/auth): one line per page.
  { path: "/settings", page: lazy(() => import("../features/settings/SettingsPage.tsx")) },
  { path: "/signin", page: lazy(() => import("../features/auth/SignInPage.tsx")) },
  { path: "/signup", page: lazy(() => import("../features/auth/SignUpPage.tsx")) },
  { path: "/account/sessions", page: lazy(() => import("../features/auth/SessionsPage.tsx")) },
  { path: "/account/tokens", page: lazy(() => import("../features/auth/TokensPage.tsx")) },
  { path: "/panel", page: lazy(() => import("../features/panel/PanelPage.tsx")) },
];

import { DemoModeBanner } from "../features/models/DemoModeBanner.tsx";
import { ModelList } from "../features/models/ModelList.tsx";

/** The page layout: header, conversation sidebar, main content. */
export function Shell() {
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="shell-header">
        <span className="brand">
          <img className="brand-mark" src="/favicon.svg" alt="" width="24" height="24" />
          Parley
        </span>
      </header>
      <DemoModeBanner />
      <nav className="shell-sidebar" aria-labelledby="conversations-heading">
        <h2 id="conversations-heading" className="sidebar-heading">
          Conversations
        </h2>
        <p className="muted">Your conversations will be listed here.</p>
      </nav>
      <main id="main" className="shell-main" tabIndex={-1}>
        <ModelList />
      </main>
    </div>
  );
}

// The heavy renderers (KaTeX for math, highlight.js for code) load on first need, in their own
// chunks; blocks that waited for one re-render when it arrives.

import type { HLJSApi } from "highlight.js";
import type katexType from "katex";
import { useSyncExternalStore } from "react";

export interface Renderers {
  katex?: typeof katexType;
  hljs?: HLJSApi;
}

let renderers: Renderers = {};
const listeners = new Set<() => void>();
let katexLoad: Promise<void> | undefined;
let hljsLoad: Promise<void> | undefined;

function publish(next: Renderers) {
  renderers = next;
  for (const listener of listeners) listener();
}

export function loadKatex(): void {
  if (katexLoad) return;
  katexLoad = Promise.all([import("katex"), import("katex/dist/katex.min.css")]).then(
    ([module]) => publish({ ...renderers, katex: module.default }),
    () => {
      katexLoad = undefined;
    },
  );
}

export function loadHighlighter(): void {
  if (hljsLoad) return;
  hljsLoad = import("./highlight.ts").then(
    (module) => publish({ ...renderers, hljs: module.hljs }),
    () => {
      hljsLoad = undefined;
    },
  );
}

export function useRenderers(): Renderers {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => renderers,
  );
}

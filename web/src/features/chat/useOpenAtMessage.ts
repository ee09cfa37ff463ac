// `/c/:id?m=<messageId>` (a search result): show the branch through that message, scroll it
// into view and mark it for a moment. The query is then dropped from the address, so a reload
// opens the conversation where the reader is.

import type { Message } from "@parley/shared";
import { type RefObject, useEffect, useRef, useState } from "react";
import { navigate, useSearch } from "../../app/router.tsx";
import { choicesThrough, type MessageTree } from "./tree.ts";

const MARK_MS = 2_400;

export function useOpenAtMessage(props: {
  tree: MessageTree;
  path: readonly Message[];
  choose: (...picks: [parentId: string | null, childId: string][]) => void;
  scroller: RefObject<HTMLElement | null>;
}) {
  const { tree, path, choose, scroller } = props;
  const target = new URLSearchParams(useSearch()).get("m");
  const handled = useRef<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);

  // Once the tree has the message, pick the branch through it.
  useEffect(() => {
    if (!target) {
      handled.current = null;
      return;
    }
    if (handled.current === target || !tree.byId.has(target)) return;
    handled.current = target;
    choose(...choicesThrough(tree, target));
    setPending(target);
  }, [target, tree, choose]);

  // Once the path shows it: after the frames in which the list keeps itself at the bottom.
  const shown = pending !== null && path.some((message) => message.id === pending);
  useEffect(() => {
    if (!shown || !pending) return;
    let frame = requestAnimationFrame(() => {
      frame = requestAnimationFrame(() => {
        const element = scroller.current?.querySelector<HTMLElement>(
          `[data-message-id="${CSS.escape(pending)}"]`,
        );
        setPending(null);
        if (!element) return;
        element.scrollIntoView({ block: "center" });
        element.setAttribute("data-found", "");
        // Outlives this effect (pending was just cleared), and ends on its own.
        window.setTimeout(() => element.removeAttribute("data-found"), MARK_MS);
        navigate(window.location.pathname, { replace: true });
      });
    });
    return () => cancelAnimationFrame(frame);
  }, [shown, pending, scroller]);
}

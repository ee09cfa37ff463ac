// `/c/:id?m=<messageId>` (a search result): show the branch through that message, scroll it
// into view and mark it for a moment. The query is then dropped from the address, so a reload
// opens the conversation where the reader is.

import type { Message, Tree } from "@parley/shared";
import { type RefObject, useEffect, useRef, useState } from "react";
import { navigate, useSearch } from "../../app/router.tsx";
import { type Choose, choicesThrough } from "../transcript/branches.ts";
import type { MessageListHandle } from "../transcript/MessageList.tsx";

const MARK_MS = 2_400;
/** Frames to wait for the list to render the message it scrolled to. */
const MARK_FRAMES = 30;

export function useOpenAtMessage(props: {
  tree: Tree<Message>;
  path: readonly Message[];
  choose: Choose;
  list: RefObject<MessageListHandle | null>;
}) {
  const { tree, path, choose, list } = props;
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

  // Once the path shows it: after the frames in which the list keeps itself at the bottom,
  // scroll to it (the list renders it there), then mark it once it is on screen.
  const shown = pending !== null && path.some((message) => message.id === pending);
  useEffect(() => {
    if (!shown || !pending) return;
    let frame = 0;
    let frames = 0;
    const mark = () => {
      const element = document.querySelector<HTMLElement>(
        `[data-message-id="${CSS.escape(pending)}"]`,
      );
      if (!element && ++frames < MARK_FRAMES) {
        frame = requestAnimationFrame(mark);
        return;
      }
      setPending(null);
      if (!element) return;
      element.setAttribute("data-found", "");
      // Outlives this effect (pending was just cleared), and ends on its own.
      window.setTimeout(() => element.removeAttribute("data-found"), MARK_MS);
    };
    frame = requestAnimationFrame(() => {
      frame = requestAnimationFrame(() => {
        if (!list.current?.scrollTo(pending)) {
          setPending(null);
          return;
        }
        navigate(window.location.pathname, { replace: true });
        frame = requestAnimationFrame(mark);
      });
    });
    return () => cancelAnimationFrame(frame);
  }, [shown, pending, list]);
}

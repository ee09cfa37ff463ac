import type { Message, SendKey, Tree } from "@parley/shared";
import { useVirtualizer } from "@tanstack/react-virtual";
import { type RefObject, useImperativeHandle, useLayoutEffect, useRef } from "react";
import { useModelName } from "../models/ModelPicker.tsx";
import { siblingsOf } from "./branches.ts";
import { AssistantMessage, type MessageActions, UserMessage } from "./MessageView.tsx";

// Stable, so the memoised message views do not re-render for a read-only list's missing handlers.
const ignore = () => {};

/** Messages rendered beyond the visible ones, on each side: scrolling shows them at once. */
const OVERSCAN = 4;

/** The list's way to bring a message into view, rendered or not. */
export interface MessageListHandle {
  /** Scrolls `messageId` to the middle of the view; false when it is not on the path. */
  scrollTo(messageId: string): boolean;
}

/**
 * The shown path of a conversation, each message with its way to sibling branches. Only the
 * messages in view (and a few around them) are rendered: a conversation of a thousand messages
 * costs what a screenful does. Without `actions` it is read-only (a shared conversation): no
 * edit, retry or delete.
 */
export function MessageList(props: {
  tree: Tree<Message>;
  path: readonly Message[];
  /** The element that scrolls the list. */
  scroller: RefObject<HTMLElement | null>;
  /** Open at the last message (a conversation) rather than the first (a share). */
  startAtEnd?: boolean;
  handle?: RefObject<MessageListHandle | null>;
  onSelectBranch: (message: Message) => void;
  sendKey: SendKey;
  showReasoning: boolean;
  /** An answer on the shown path is being written. */
  busy?: boolean;
  actions?: MessageActions;
  onFailure?: (message: string) => void;
  /** The user message being edited, and a way to start or stop editing one. */
  editingId?: string | null;
  onEditing?: (messageId: string | null) => void;
  /** Set for a shared conversation: its files are read through the share. */
  shareId?: string;
}) {
  const { tree, path, scroller, busy = false, actions, onFailure = ignore } = props;
  const { editingId = null, onEditing, onSelectBranch } = props;
  const modelName = useModelName();
  const list = useRef<HTMLDivElement>(null);
  const margin = useRef(0);

  const virtualizer = useVirtualizer({
    count: path.length,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => estimateHeight(path[index]),
    getItemKey: (index) => path[index]?.id ?? index,
    overscan: OVERSCAN,
    scrollMargin: margin.current,
    // A conversation opens at its end: render the last messages first, not the first ones.
    initialOffset: props.startAtEnd ? () => Number.MAX_SAFE_INTEGER : 0,
  });

  // Where the list starts inside the scroller (the padding above it).
  useLayoutEffect(() => {
    const top = list.current?.offsetTop ?? 0;
    if (top !== margin.current) {
      margin.current = top;
      virtualizer.setOptions({ ...virtualizer.options, scrollMargin: top });
      virtualizer.measure();
    }
  });

  useImperativeHandle(
    props.handle,
    () => ({
      scrollTo(messageId) {
        const index = path.findIndex((message) => message.id === messageId);
        if (index < 0) return false;
        virtualizer.scrollToIndex(index, { align: "center" });
        return true;
      },
    }),
    [path, virtualizer],
  );

  const items = virtualizer.getVirtualItems();
  const offset = virtualizer.options.scrollMargin;
  return (
    <div
      ref={list}
      className="message-list"
      style={{ height: virtualizer.getTotalSize(), position: "relative" }}
    >
      {items.map((item) => {
        const message = path[item.index];
        if (!message) return null;
        const common = {
          message,
          siblings: siblingsOf(tree, message),
          onSelectBranch,
          busy,
          actions,
          onFailure,
        };
        return (
          <div
            key={item.key}
            ref={virtualizer.measureElement}
            data-index={item.index}
            className="message-slot"
            data-last={item.index === path.length - 1 || undefined}
            style={{ transform: `translateY(${item.start - offset}px)` }}
          >
            {message.role === "user" ? (
              <UserMessage
                {...common}
                editing={editingId === message.id}
                onEditing={onEditing ? (editing) => onEditing(editing ? message.id : null) : ignore}
                sendKey={props.sendKey}
                shareId={props.shareId}
              />
            ) : (
              <AssistantMessage
                {...common}
                isLeaf={tree.childrenOf(message.id).length === 0}
                showReasoning={props.showReasoning}
                modelName={modelName(message.model)}
              />
            )}
          </div>
        );
      })}
    </div>
  );
}

/** A guess at a message's height before it is rendered: about a line per 80 characters. */
function estimateHeight(message: Message | undefined): number {
  if (!message) return 100;
  const lines = Math.min(200, Math.ceil(message.content.length / 80) + 1);
  return (message.role === "user" ? 56 : 64) + lines * 24;
}

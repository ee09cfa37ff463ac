import type { Message, SendKey } from "@parley/shared";
import { AssistantMessage, UserMessage } from "./MessageView.tsx";
import { useModelName } from "./ModelPicker.tsx";
import { type MessageTree, siblingsOf } from "./tree.ts";
import type { ChatActions } from "./useChatActions.ts";

// Stable, so the memoised message views do not re-render for a read-only list's missing handlers.
const ignore = () => {};

/**
 * The shown path of a conversation, each message with its way to sibling branches. Without
 * `actions` it is read-only (a shared conversation): no edit, retry or delete.
 */
export function MessageList(props: {
  tree: MessageTree;
  path: readonly Message[];
  onSelectBranch: (message: Message) => void;
  sendKey: SendKey;
  showReasoning: boolean;
  /** An answer on the shown path is being written. */
  busy?: boolean;
  actions?: ChatActions;
  onFailure?: (message: string) => void;
  /** The user message being edited, and a way to start or stop editing one. */
  editingId?: string | null;
  onEditing?: (messageId: string | null) => void;
  smoothing?: boolean;
  onTitle?: (title: string) => void;
  onEnded?: (generationId: string) => void;
  /** Set for a shared conversation: its files are read through the share. */
  shareId?: string;
}) {
  const { tree, path, onSelectBranch, busy = false, actions, onFailure = ignore } = props;
  const { editingId = null, onEditing } = props;
  const modelName = useModelName();
  return path.map((message) => {
    const common = {
      message,
      siblings: siblingsOf(tree, message),
      onSelectBranch,
      busy,
      actions,
      onFailure,
    };
    return message.role === "user" ? (
      <UserMessage
        key={message.id}
        {...common}
        editing={editingId === message.id}
        onEditing={onEditing ? (editing) => onEditing(editing ? message.id : null) : ignore}
        sendKey={props.sendKey}
        shareId={props.shareId}
      />
    ) : (
      <AssistantMessage
        key={message.id}
        {...common}
        isLeaf={!tree.children.get(message.id)?.length}
        smoothing={props.smoothing ?? false}
        showReasoning={props.showReasoning}
        modelName={modelName(message.model)}
        onTitle={props.onTitle ?? ignore}
        onEnded={props.onEnded ?? ignore}
      />
    );
  });
}

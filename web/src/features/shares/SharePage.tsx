import { buildTree, DEFAULT_SETTINGS, type Message, type SharedConversation } from "@parley/shared";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, navigate, useRouteParams } from "../../app/router.tsx";
import { errorCode, errorText } from "../../lib/errors.ts";
import { useTRPC } from "../../trpc.ts";
import { titleOf } from "../conversations/groups.ts";
import { useConversationCache } from "../conversations/useConversationCache.ts";
import { useSettings } from "../settings/useSettings.ts";
import {
  type BranchChoice,
  choiceAlong,
  ROOT,
  rememberChoice,
  shownPath,
} from "../transcript/branches.ts";
import { MessageList } from "../transcript/MessageList.tsx";
import { asMessage, choiceInCopy } from "./branch.ts";
import "./shares.css";

/** `/s/:shareId`: a shared conversation, read-only, with a way to continue it as your own. */
export default function SharePage() {
  const { shareId = "" } = useRouteParams();
  return <SharedView key={shareId} shareId={shareId} />;
}

function SharedView({ shareId }: { shareId: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.shares.get.queryOptions({ shareId }));
  const share = query.data;

  useEffect(() => {
    document.title = `${share ? titleOf(share) : "Shared conversation"} — Parley`;
  }, [share]);

  if (query.isPending) {
    return (
      <p className="page-loading muted" role="status">
        Loading…
      </p>
    );
  }
  if (query.isError) {
    const code = errorCode(query.error);
    // A malformed id is as missing as a revoked one.
    const missing = code === "NOT_FOUND" || code === "BAD_REQUEST";
    return (
      <section className="not-found">
        <h1>{missing ? "Shared conversation not found" : "Could not load this conversation"}</h1>
        <p>
          {missing
            ? "This link does not lead to a shared conversation: it is mistyped, or its owner stopped sharing it."
            : errorText(query.error)}{" "}
          <Link to="/">Start a new chat</Link>.
        </p>
      </section>
    );
  }
  return <SharedTranscript share={query.data} />;
}

function SharedTranscript({ share }: { share: SharedConversation }) {
  const settings = useSettings().settings ?? DEFAULT_SETTINGS;
  const messages = useMemo(
    () => share.messages.map((message) => asMessage(message, share.shareId)),
    [share],
  );
  const tree = useMemo(() => buildTree(messages), [messages]);
  // The sharer's branch first; the reader's own choices at forks on top.
  const [picked, setPicked] = useState<BranchChoice>({});
  const choice = useMemo(
    () => ({ ...choiceAlong(tree, share.leafId), ...picked }),
    [tree, share.leafId, picked],
  );
  const path = useMemo(() => shownPath(tree, choice), [tree, choice]);
  const onSelectBranch = useCallback(
    (message: Message) =>
      setPicked((current) => ({ ...current, [tree.parentOf(message.id) ?? ROOT]: message.id })),
    [tree],
  );
  const scroller = useRef<HTMLDivElement>(null);

  return (
    <div className="chat shared-chat" data-wrap-code={settings.wrapCode || undefined}>
      <header className="chat-header">
        <h1 className="chat-title" title={titleOf(share)}>
          {titleOf(share)}
        </h1>
        <span className="badge badge-plain">Shared · read-only</span>
      </header>
      <div className="messages-scroller" ref={scroller}>
        <div className="messages">
          <MessageList
            tree={tree}
            path={path}
            scroller={scroller}
            onSelectBranch={onSelectBranch}
            sendKey={settings.sendKey}
            showReasoning={settings.showReasoning}
            shareId={share.shareId}
          />
        </div>
      </div>
      <ContinueBar share={share} path={path} />
    </div>
  );
}

/** "Continue this conversation": a copy of the share as the reader's own, at the branch shown. */
function ContinueBar({ share, path }: { share: SharedConversation; path: readonly Message[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const cache = useConversationCache();
  const start = useMutation(
    trpc.conversations.create.mutationOptions({
      // Still pending until the copy is loaded and opened at the branch the reader was on.
      onSuccess: async ({ conversationId }) => {
        const copy = await queryClient.fetchQuery(
          trpc.conversations.get.queryOptions({ id: conversationId }),
        );
        const choice = choiceInCopy(share.messages, copy.messages, path);
        if (choice) rememberChoice(conversationId, choice);
        void cache.refreshList();
        navigate(`/c/${conversationId}`);
      },
    }),
  );

  return (
    <div className="composer-area shared-continue">
      {start.isError && (
        <p role="alert" className="error composer-error">
          Could not continue this conversation: {errorText(start.error)}
        </p>
      )}
      <div className="shared-continue-bar">
        <p className="muted">
          You are reading a conversation someone shared. Continue it to get your own copy to reply
          to.
        </p>
        <button
          type="button"
          onClick={() => start.mutate({ fromShare: share.shareId })}
          disabled={start.isPending}
        >
          {start.isPending ? "Copying…" : "Continue this conversation"}
        </button>
      </div>
    </div>
  );
}

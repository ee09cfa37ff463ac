import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { Link } from "../../app/router.tsx";
import { copyText } from "../../lib/clipboard.ts";
import { Dialog } from "../../lib/Dialog.tsx";
import { errorText } from "../../lib/errors.ts";
import { useTRPC } from "../../trpc.ts";
import "./shares.css";

/** The page a share link opens. */
export function shareUrl(shareId: string): string {
  return `${window.location.origin}/s/${shareId}`;
}

/**
 * "Share" in a conversation's header: shares the branch shown (ending at `leafId`) and shows the
 * link. Sharing unchanged content again gives the same link.
 */
export function ShareButton(props: {
  conversationId: string;
  leafId: string | undefined;
  /** An answer is being written, or there is nothing yet: nothing to share right now. */
  disabled: boolean;
}) {
  const { conversationId, leafId, disabled } = props;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const share = useMutation(
    trpc.conversations.share.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.shares.list.pathFilter()),
    }),
  );

  return (
    <>
      <button
        type="button"
        className="button-secondary"
        disabled={disabled || !leafId}
        title={disabled ? "Wait for the answer to finish to share" : "Share a read-only link"}
        onClick={() => {
          if (!leafId) return;
          setOpen(true);
          share.reset();
          share.mutate({ id: conversationId, leafId });
        }}
      >
        Share
      </button>
      {open && (
        <Dialog
          title="Share this conversation"
          onClose={() => setOpen(false)}
          actions={
            <button type="button" className="button-secondary" onClick={() => setOpen(false)}>
              Close
            </button>
          }
        >
          {share.isPending ? (
            <p role="status" className="muted">
              Making a link…
            </p>
          ) : share.isError ? (
            <p role="alert" className="error">
              Could not share: {errorText(share.error)}
            </p>
          ) : share.data ? (
            <ShareLink shareId={share.data.shareId} />
          ) : null}
        </Dialog>
      )}
    </>
  );
}

function ShareLink({ shareId }: { shareId: string }) {
  const fieldId = useId();
  const hintId = useId();
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  const url = shareUrl(shareId);
  useEffect(() => field.current?.select(), []);

  return (
    <div className="share-link">
      <p id={hintId}>
        Anyone with this link can read this conversation as it is now, starting at the branch you
        are on, and continue it as their own. Messages you send later are not shared.
      </p>
      <label htmlFor={fieldId} className="field-label">
        Link
      </label>
      <div className="share-link-row">
        <input
          ref={field}
          id={fieldId}
          readOnly
          value={url}
          aria-describedby={hintId}
          spellCheck={false}
          onFocus={(event) => event.target.select()}
        />
        <button
          type="button"
          onClick={async () => {
            const done = await copyText(url);
            // No clipboard permission: select the text so Ctrl+C copies it.
            if (!done) field.current?.select();
            setCopied(done);
          }}
        >
          Copy link
        </button>
      </div>
      <p role="status" className="muted">
        {copied === true && "Copied to the clipboard."}
        {copied === false && "Could not copy: the link is selected, press Ctrl+C (⌘+C)."}
      </p>
      <p className="muted">
        Stop sharing any time in <Link to="/settings#shared-links">Settings → Shared links</Link>.
      </p>
    </div>
  );
}

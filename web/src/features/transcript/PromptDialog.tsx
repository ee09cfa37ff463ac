import { useQuery } from "@tanstack/react-query";
import { Dialog } from "../../lib/Dialog.tsx";
import { errorText } from "../../lib/errors.ts";
import { useTRPC } from "../../trpc.ts";

/** The exact request that produced an answer (messages.prompt). */
export function PromptDialog(props: {
  conversationId: string;
  messageId: string;
  onClose: () => void;
}) {
  const { conversationId, messageId, onClose } = props;
  const trpc = useTRPC();
  const prompt = useQuery(trpc.messages.prompt.queryOptions({ conversationId, messageId }));
  return (
    <Dialog
      title="Prompt"
      onClose={onClose}
      wide
      actions={
        <button type="button" onClick={onClose}>
          Close
        </button>
      }
    >
      {prompt.isPending ? (
        <p role="status">Loading…</p>
      ) : prompt.isError ? (
        <p role="alert" className="error">
          Could not load the prompt: {errorText(prompt.error)}
        </p>
      ) : !prompt.data.prompt ? (
        <p className="muted">No prompt was recorded for this answer.</p>
      ) : (
        <>
          <dl className="prompt-facts">
            <dt>Model</dt>
            <dd>{prompt.data.model ?? "unknown"}</dd>
            <dt>API</dt>
            <dd>{prompt.data.prompt.api === "responses" ? "Responses" : "Chat Completions"}</dd>
          </dl>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard. */}
          <section className="prompt-json" tabIndex={0} aria-label="Request body">
            <pre>{JSON.stringify(prompt.data.prompt.request, null, 2)}</pre>
          </section>
        </>
      )}
    </Dialog>
  );
}

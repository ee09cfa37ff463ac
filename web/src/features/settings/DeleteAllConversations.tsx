import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "../../lib/ConfirmDialog.tsx";
import { useTRPC } from "../../trpc.ts";

/** "Delete all conversations", behind a confirmation. */
export function DeleteAllConversations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const deleteAll = useMutation(
    trpc.conversations.deleteAll.mutationOptions({
      onSuccess: async () => {
        setConfirming(false);
        await queryClient.invalidateQueries({ queryKey: trpc.conversations.pathKey() });
      },
    }),
  );

  return (
    <div className="form-field">
      <p className="form-hint">
        Deletes every conversation you have, with all its messages and branches. This cannot be
        undone.
      </p>
      <div className="form-actions">
        <button
          type="button"
          className="button-danger"
          onClick={() => {
            deleteAll.reset();
            setConfirming(true);
          }}
        >
          Delete all conversations
        </button>
        <p role="status">
          {deleteAll.isSuccess &&
            (deleteAll.data.deleted === 1
              ? "Deleted 1 conversation."
              : `Deleted ${deleteAll.data.deleted.toLocaleString()} conversations.`)}
        </p>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Delete all conversations?"
        confirmLabel="Delete all"
        busy={deleteAll.isPending}
        error={deleteAll.error?.message}
        onConfirm={() => deleteAll.mutate()}
        onCancel={() => setConfirming(false)}
      >
        <p>Every conversation and all its messages will be deleted for good.</p>
      </ConfirmDialog>
    </div>
  );
}

import { USAGE_LIMITS } from "@parley/shared";
import { useId, useState } from "react";
import { Dialog } from "../../lib/Dialog.tsx";
import { errorText } from "../../lib/errors.ts";

/** Edits a conversation's system prompt (it applies to the answers written after). */
export function SystemPromptDialog(props: {
  initial: string;
  onSave: (systemPrompt: string) => Promise<void>;
  onClose: () => void;
}) {
  const { initial, onSave, onClose } = props;
  const [value, setValue] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      await onSave(value);
      onClose();
    } catch (cause) {
      setError(errorText(cause));
      setSaving(false);
    }
  };
  return (
    <Dialog
      title="System prompt"
      onClose={onClose}
      wide
      actions={
        <>
          <button type="button" className="button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="button" onClick={save} disabled={saving || value === initial}>
            {saving ? "Saving…" : "Save"}
          </button>
        </>
      }
    >
      <label htmlFor={id} className="field-label">
        Instructions the model follows in this conversation
      </label>
      <textarea
        id={id}
        className="system-prompt-input"
        value={value}
        rows={8}
        maxLength={USAGE_LIMITS.systemPromptChars}
        onChange={(event) => setValue(event.target.value)}
        autoFocus
      />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </Dialog>
  );
}

import { useId, useState } from "react";

/**
 * The JSON editor's text and whether it parses: `show` starts it from a value, `edit` takes what
 * is typed and passes every value that parses to `onValue` (undefined for an empty text).
 */
export function useJsonText(onValue: (value: unknown) => void) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  return {
    text,
    error,
    show(value: unknown) {
      setText(value === undefined ? "" : JSON.stringify(value, null, 2));
      setError(null);
    },
    edit(next: string) {
      setText(next);
      if (next.trim() === "") {
        onValue(undefined);
        setError(null);
        return;
      }
      try {
        onValue(JSON.parse(next) as unknown);
        setError(null);
      } catch (cause) {
        setError(cause instanceof Error ? cause.message : "Not valid JSON");
      }
    },
  };
}

/** The input as raw JSON, for what the form cannot say (or to paste). */
export function JsonEditor(props: {
  text: string;
  error: string | null;
  optional: boolean;
  onChange(text: string): void;
}) {
  const id = useId();
  return (
    <div className="form-field">
      <label htmlFor={id}>Input as JSON</label>
      <textarea
        id={id}
        className="panel-code panel-json-editor"
        spellCheck={false}
        value={props.text}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={`${id}-hint${props.error ? ` ${id}-error` : ""}`}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <p id={`${id}-hint`} className="form-hint">
        Plain JSON; Dates as ISO strings.{props.optional ? " Leave empty to send no input." : ""}
      </p>
      {props.error && (
        <p id={`${id}-error`} className="form-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

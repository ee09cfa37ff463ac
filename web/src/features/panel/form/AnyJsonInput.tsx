import { useState } from "react";
import type { ControlProps } from "./parts.ts";

/** A value of any JSON type (a schema JSON Schema cannot describe): edited as JSON. */
export function AnyJsonInput(props: {
  controlProps: ControlProps;
  value: unknown;
  onChange(value: unknown): void;
}) {
  const [text, setText] = useState(() => JSON.stringify(props.value ?? null));
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <textarea
        {...props.controlProps}
        className="panel-code"
        rows={2}
        spellCheck={false}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          try {
            props.onChange(JSON.parse(event.target.value) as unknown);
            setError(null);
          } catch {
            setError("Not valid JSON yet");
          }
        }}
      />
      {error && <p className="form-error">{error}</p>}
    </>
  );
}

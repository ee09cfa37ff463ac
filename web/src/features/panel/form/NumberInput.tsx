import { useState } from "react";
import type { ControlProps } from "./parts.ts";

/** A number field that keeps what is being typed ("-", "1.") until it is a number. */
export function NumberInput(props: {
  controlProps: ControlProps;
  value: unknown;
  integer: boolean;
  onChange(value: unknown): void;
}) {
  const shown = typeof props.value === "number" ? String(props.value) : "";
  const [text, setText] = useState(shown);
  // The value changed from elsewhere (the JSON editor, a history entry): show it.
  const parsed = text.trim() === "" ? undefined : Number(text);
  const display = parsed === props.value || (parsed === undefined && shown === "") ? text : shown;
  return (
    <input
      {...props.controlProps}
      type="number"
      step={props.integer ? 1 : "any"}
      value={display}
      onChange={(event) => {
        setText(event.target.value);
        const raw = event.target.value.trim();
        props.onChange(raw === "" ? undefined : Number(raw));
      }}
    />
  );
}

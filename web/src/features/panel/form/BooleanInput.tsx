import type { ControlProps } from "./parts.ts";

/** true or false, as a checkbox. */
export function BooleanInput(props: {
  controlProps: ControlProps;
  value: unknown;
  onChange(value: unknown): void;
}) {
  return (
    <input
      {...props.controlProps}
      type="checkbox"
      className="panel-boolean"
      checked={props.value === true}
      onChange={(event) => props.onChange(event.target.checked)}
    />
  );
}

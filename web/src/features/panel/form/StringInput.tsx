import type { SchemaNode } from "../schema.ts";
import type { ControlProps } from "./parts.ts";

/** Text: a line for short strings and dates, an area for long ones. */
export function StringInput(props: {
  controlProps: ControlProps;
  node: SchemaNode;
  /** A date-time (ISO 8601) string. */
  date: boolean;
  value: unknown;
  onChange(value: unknown): void;
}) {
  const { node, date, controlProps } = props;
  const text = typeof props.value === "string" ? props.value : "";
  const long = node.maxLength === undefined || node.maxLength > 300;
  const placeholder = date
    ? "2026-01-31T12:00:00.000Z"
    : typeof node.default === "string"
      ? node.default
      : undefined;
  return long && !date ? (
    <textarea
      {...controlProps}
      rows={3}
      value={text}
      placeholder={placeholder}
      onChange={(event) => props.onChange(event.target.value)}
    />
  ) : (
    <input
      {...controlProps}
      type="text"
      spellCheck={false}
      value={text}
      placeholder={placeholder}
      onChange={(event) => props.onChange(event.target.value)}
    />
  );
}

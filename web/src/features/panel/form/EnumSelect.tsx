import type { ControlProps } from "./parts.ts";

/** One of a fixed list of values (an enum), chosen in a select. */
export function EnumSelect(props: {
  controlProps: ControlProps;
  options: readonly unknown[];
  value: unknown;
  onChange(value: unknown): void;
}) {
  const { options, controlProps } = props;
  const index = options.findIndex(
    (option) => JSON.stringify(option) === JSON.stringify(props.value),
  );
  return (
    <select
      {...controlProps}
      value={index >= 0 ? String(index) : ""}
      onChange={(event) => props.onChange(options[Number(event.target.value)])}
    >
      {index < 0 && <option value="">Choose…</option>}
      {options.map((option, i) => (
        <option key={JSON.stringify(option)} value={String(i)}>
          {typeof option === "string" ? option : JSON.stringify(option)}
        </option>
      ))}
    </select>
  );
}

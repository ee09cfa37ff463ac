/** A value as pretty JSON for display: Dates as ISO strings, Maps, Sets and bigints readable. */
export function formatJson(value: unknown): string {
  if (value === undefined) return "(no data)";
  return JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (typeof item === "bigint") return item.toString();
      if (item instanceof Map) return Object.fromEntries(item);
      if (item instanceof Set) return [...item];
      return item;
    },
    2,
  );
}

/** The same on one line, for a stream's events. */
export function formatJsonLine(value: unknown): string {
  return formatJson(value).replace(/\n\s*/g, " ");
}

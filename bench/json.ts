// JSON laid out the way the repository's formatter (Biome) lays it out, so a results file
// written by the benchmark passes `biome check`: objects one key per line, arrays of plain values
// on one line when they fit in 100 columns, anything else one item per line.

const LINE_WIDTH = 100;
const INDENT = "  ";

export function formatJson(value: unknown): string {
  return `${format(value, "", 0)}\n`;
}

/** `value` at `indent`, where `used` columns of its first line are already taken. */
function format(value: unknown, indent: string, used: number): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const inner = indent + INDENT;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const plain = value.every((item) => item === null || typeof item !== "object");
    if (plain) {
      const line = `[${value.map((item) => JSON.stringify(item) ?? "null").join(", ")}]`;
      // The trailing comma that may follow counts against the line.
      if (used + line.length + 1 <= LINE_WIDTH) return line;
    }
    const items = value.map((item) => inner + format(item, inner, inner.length));
    return `[\n${items.join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return "{}";
  const lines = entries.map(([key, item]) => {
    const head = `${inner}${JSON.stringify(key)}: `;
    return head + format(item, inner, head.length);
  });
  return `{\n${lines.join(",\n")}\n${indent}}`;
}

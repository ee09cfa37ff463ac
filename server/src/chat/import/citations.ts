// ChatGPT's citation markers turned into numbered Markdown links to the sources the export
// records. Two generations of markers exist:
//   - brackets in the text, "【6†source】" or "【3:1†source】", with the sources in the message's
//     metadata.citations (by position, or by the numbers in the marker), or in the browsing
//     results the conversation recorded before the answer;
//   - private-use characters, "\uE200cite\uE202turn0search3\uE201" (U+E200 opens, U+E202
//     separates, U+E201 closes), with the sources in metadata.content_references (by the
//     marker's text). Other marks of the same kind name an entity (shown as its name) or a list
//     of links, images or products (left out).
// A marker whose source is not recorded is removed, leaving the sentence as it reads.

import { isRecord, stringOf } from "./conversation.ts";

export interface Source {
  title: string;
  url: string;
}

const MARKER =
  /\uE200([^\uE200\uE201\uE202]{0,40})((?:\uE202[^\uE200\uE201\uE202]*)*)\uE201|【(\d+)(?::(\d+))?†[^【】\n]{0,300}】|【turn\d+[a-z]+\d+】/g;
/** Private-use marks left over once the markers are replaced (an attribution span's ends…). */
const STRAY_MARKS = /[\uE200-\uE20F]/g;

/**
 * The message text with every citation marker replaced: by links "[[1]](url)" to the sources,
 * numbered in the order first cited, and the list of them (title and URL) below the text.
 * `results` are the browsing results last recorded on the way to this message.
 */
export function withCitations(
  text: string,
  metadata: Record<string, unknown>,
  results: readonly Source[] = [],
): string {
  if (text.search(MARKER) === -1 && text.search(STRAY_MARKS) === -1) return text;
  const references = byMatchedText(metadata.content_references);
  const citations = Array.isArray(metadata.citations) ? metadata.citations.filter(isRecord) : [];
  const numbers = new Map<string, number>();
  const cited: Source[] = [];
  const codePoints = codePointCounter(text);

  let out = "";
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    const at = match.index;
    const marker = match[0];
    const sources: Source[] = [];
    let replacement: string | null = null;
    const reference = references.get(marker)?.shift();
    if (match[1] !== undefined && match[1] !== "cite" && match[1] !== "filecite") {
      // Not a citation: an entity reads as its name; lists of links, images, products go.
      replacement = entityName(match[1], match[2] ?? "", reference) ?? "";
    } else if (reference) {
      sources.push(...referenceSources(reference));
    } else if (match[3] !== undefined) {
      const found = citationAt(citations, codePoints(at), match[3], match[4]);
      if (found) sources.push(...found);
      else if (match[4] === undefined) {
        const result = results[Number(match[3])];
        if (result) sources.push(result);
      }
    }
    if (replacement === null) {
      const links: string[] = [];
      for (const source of sources) {
        let number = numbers.get(source.url);
        if (number === undefined) {
          number = cited.length + 1;
          numbers.set(source.url, number);
          cited.push(source);
        }
        const link = `[[${number}]](${linkTarget(source.url)})`;
        if (!links.includes(link)) links.push(link);
      }
      replacement = links.join("");
    }
    let before = text.slice(last, at);
    // What follows, past any stray marks (they go too).
    const after = text.slice(at + marker.length).replace(/^[\uE200-\uE20F]+/, "");
    if (replacement === "") {
      // Removed: no space left before punctuation, no double space.
      if (/^(?:$|[\s.,;:!?)\]»])/.test(after)) before = before.replace(/[ \t]+$/, "");
    } else if (/\S$/.test(before) && !/\)$/.test(before) && sources.length > 0) {
      replacement = ` ${replacement}`;
    }
    out = (out + before).concat(replacement);
    last = at + marker.length;
  }
  out = (out + text.slice(last)).replace(STRAY_MARKS, "");
  if (cited.length === 0) return out;
  const list = cited
    .map((source, index) => `${index + 1}. [${linkText(source.title)}](${linkTarget(source.url)})`)
    .join("\n");
  return `${out.trimEnd()}\n\n**Sources**\n\n${list}`;
}

/** The browsing results a tool message recorded (`_cite_metadata.metadata_list`), in order. */
export function browsingResults(metadata: Record<string, unknown>): Source[] | null {
  const cite = metadata._cite_metadata;
  if (!isRecord(cite) || !Array.isArray(cite.metadata_list)) return null;
  return cite.metadata_list.map((item) => sourceOf(item) ?? { title: "", url: "" });
}

/** content_references by their marker text, each list in the message's order. */
function byMatchedText(value: unknown): Map<string, Record<string, unknown>[]> {
  const map = new Map<string, Record<string, unknown>[]>();
  if (!Array.isArray(value)) return map;
  for (const reference of value) {
    if (!isRecord(reference)) continue;
    const text = stringOf(reference.matched_text);
    if (!text) continue;
    const list = map.get(text) ?? [];
    list.push(reference);
    map.set(text, list);
  }
  return map;
}

function referenceSources(reference: Record<string, unknown>): Source[] {
  const sources: Source[] = [];
  for (const field of ["items", "sources"]) {
    const list = reference[field];
    if (Array.isArray(list)) for (const item of list) pushSource(sources, sourceOf(item));
  }
  pushSource(sources, sourceOf(reference));
  return sources;
}

/** A citation of the older format: the one at this position, else the one these numbers name. */
function citationAt(
  citations: readonly Record<string, unknown>[],
  codePoint: number,
  first: string,
  second: string | undefined,
): Source[] | null {
  const at = citations.find(
    (citation) =>
      typeof citation.start_ix === "number" &&
      typeof citation.end_ix === "number" &&
      citation.start_ix <= codePoint &&
      codePoint < citation.end_ix,
  );
  const numbered = at
    ? undefined
    : citations.find((citation) => {
        const extra = isRecord(citation.metadata) ? citation.metadata.extra : undefined;
        if (!isRecord(extra)) return false;
        return second === undefined
          ? extra.search_result_idx === Number(first)
          : extra.cited_message_idx === Number(first) && extra.search_result_idx === Number(second);
      });
  const citation = at ?? numbered;
  if (!citation) return null;
  const source = sourceOf(citation.metadata);
  return source ? [source] : [];
}

function entityName(
  kind: string,
  rest: string,
  reference: Record<string, unknown> | undefined,
): string | null {
  if (kind !== "entity") return null;
  const alt = stringOf(reference?.alt);
  if (alt?.trim()) return alt.trim();
  try {
    // ["people", "Ada Lovelace", "English mathematician"]: the second is the name shown.
    const parsed = JSON.parse(rest.split("\uE202").filter(Boolean).join("")) as unknown;
    return Array.isArray(parsed) && typeof parsed[1] === "string" ? parsed[1] : null;
  } catch {
    return null;
  }
}

/** A web source with a title and an http(s) URL; null for anything else (a file, nothing). */
function sourceOf(value: unknown): Source | null {
  if (!isRecord(value)) return null;
  const url = stringOf(value.url);
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
  const title = (stringOf(value.title) ?? stringOf(value.attribution) ?? "").trim();
  return { title: title || parsed.hostname, url: parsed.href };
}

function pushSource(sources: Source[], source: Source | null) {
  if (source && !sources.some((other) => other.url === source.url)) sources.push(source);
}

/** Link text as Markdown shows it literally. */
function linkText(title: string): string {
  return title.replace(/\s+/g, " ").replace(/[\\[\]*_`<>]/g, (char) => `\\${char}`);
}

/** A URL that cannot end the link early. */
function linkTarget(url: string): string {
  return url.replace(/[()\s<>]/g, (char) => encodeURIComponent(char));
}

/**
 * The code-point index of a UTF-16 offset (the export's positions count code points, as
 * Python does), for offsets asked in increasing order.
 */
function codePointCounter(text: string): (offset: number) => number {
  let unit = 0;
  let points = 0;
  return (offset) => {
    for (; unit < offset; unit++) {
      const code = text.charCodeAt(unit);
      // The second half of a surrogate pair does not start a code point.
      if (!(code >= 0xdc00 && code <= 0xdfff && unit > 0)) points++;
    }
    return points;
  };
}

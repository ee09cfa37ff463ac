import { USAGE_LIMITS } from "@parley/shared";
import type { ModelRoute } from "../llm/registry.ts";
import { buildRequest, complete } from "../llm/stream.ts";

/** The instruction of a title request (tests recognise title requests by it). */
export const TITLE_INSTRUCTIONS =
  "Write a title of at most six words for a conversation that starts with the message below. " +
  "Answer with the title only: no quotes, no final punctuation.";

const TITLE_WORDS = 6;
const TITLE_CHARS = 80;
/** Enough of the first message to tell what it is about. */
const TITLE_SOURCE_CHARS = 2_000;

/** A title from the first words of the first message, when the model gives none. */
export function fallbackTitle(content: string): string {
  const words = content.replace(/\s+/g, " ").trim().split(" ").slice(0, TITLE_WORDS).join(" ");
  return shorten(words) || "New conversation";
}

/** The model's title, tidied; undefined when nothing usable is left. */
export function cleanTitle(raw: string): string | undefined {
  const line =
    raw
      .split("\n")
      .map((part) => part.trim())
      .find(Boolean) ?? "";
  const title = line
    .replace(/^(title|titre)\s*:\s*/i, "")
    .replace(/[*_`#>]/g, "")
    .replace(/^["'“”‘’«»\s]+|["'“”‘’«»\s]+$/g, "")
    .replace(/[.!?,;:]+$/, "")
    .trim();
  return shorten(title) || undefined;
}

function shorten(text: string): string {
  const max = Math.min(TITLE_CHARS, USAGE_LIMITS.titleChars);
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return (space > max / 2 ? cut.slice(0, space) : cut).trim();
}

/**
 * Asks the conversation's model for a title, in one short non-streamed request. Resolves to the
 * fallback title on any failure, on timeout, and when `signal` aborts.
 */
export async function generateTitle(
  route: ModelRoute,
  firstMessage: string,
  options: { signal: AbortSignal; timeoutMs: number },
): Promise<string> {
  const fallback = fallbackTitle(firstMessage);
  if (options.signal.aborted) return fallback;
  const request = buildRequest(
    route,
    {
      system: TITLE_INSTRUCTIONS,
      messages: [{ role: "user", content: firstMessage.slice(0, TITLE_SOURCE_CHARS) }],
      // Some room for reasoning models; a title needs a dozen tokens.
      parameters: { maxOutputTokens: 32 },
    },
    { stream: false },
  );
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const raw = await complete(
      route,
      request,
      AbortSignal.any([options.signal, timeout]),
      options.timeoutMs,
    );
    return cleanTitle(raw) ?? fallback;
  } catch {
    return fallback;
  }
}

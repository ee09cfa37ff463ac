// What the mock says and how it misbehaves: request options (directives and metadata), and the
// deterministic token stream built from a hash of the prompt.

import { type DemoOptions, demoReply } from "./demo.ts";
import type { MockModel, PromptMessage } from "./models.ts";
import { UpstreamError } from "./wire.ts";

export interface MockDefaults {
  tokens: number;
  delayMs: number;
  /** Answer with the demo's tour (demo.ts) instead of placeholder prose. */
  demo?: DemoOptions;
}

export type Fault =
  | { kind: "before" }
  | { kind: "hang" }
  | { kind: "after"; tokens: number }
  | { kind: "hang-after"; tokens: number };

export interface MockSettings {
  tokens: number;
  delayMs: number;
  reasoning: number;
  fault: Fault | undefined;
  /** HTTP status of `fail=before`, and of `fail=after:N` on a non-streamed request. */
  status: number;
  /** The demo's tour: in demo mode, unless the request says how to answer. */
  demo: DemoOptions | undefined;
}

/** Exactly what will be sent, token by token, and how the reply ends. */
export interface ReplyPlan {
  reasoning: string[];
  answer: string[];
  /**
   * stop/length: a normal end (length: cut by the request's max output tokens).
   * fail-before: an HTTP error instead of a reply. fail-after: an error after the tokens.
   * hang: silence after the tokens until the client aborts.
   */
  ending: "stop" | "length" | "fail-before" | "fail-after" | "hang";
  /** `fail=hang`: not even the stream's opening events are sent. */
  silent: boolean;
  /** The error of fail-before and fail-after. */
  failure: UpstreamError;
  delayMs: number;
  inputTokens: number;
}

const DIRECTIVE = /\[\[mock\b([^\]]*)\]\]/g;
const REASONING_DEFAULT = 12;

/**
 * Options come from request `metadata` (`mock_tokens: "50"`, …) and from a
 * `[[mock tokens=50 delay=5 …]]` directive in the last user message; the directive wins, being
 * the more specific of the two. Unknown keys and bad values are a 400 so typos do not go unseen.
 */
export function readSettings(
  model: MockModel,
  messages: readonly PromptMessage[],
  metadata: unknown,
  defaults: MockDefaults,
): MockSettings {
  const raw = new Map<string, string>();
  if (metadata && typeof metadata === "object") {
    for (const [key, value] of Object.entries(metadata)) {
      if (key.startsWith("mock_") && (typeof value === "string" || typeof value === "number")) {
        raw.set(key.slice("mock_".length), String(value));
      }
    }
  }
  const lastUser = messages.findLast((message) => message.role === "user");
  for (const match of lastUser?.text.matchAll(DIRECTIVE) ?? []) {
    for (const pair of (match[1] ?? "").trim().split(/\s+/).filter(Boolean)) {
      const [key, value] = pair.split("=", 2);
      if (!key || value === undefined) throw invalid(`expected key=value, got "${pair}"`);
      raw.set(key, value);
    }
  }

  const settings: MockSettings = {
    tokens: defaults.tokens,
    delayMs: defaults.delayMs,
    reasoning: model.reasoning ? REASONING_DEFAULT : 0,
    fault: undefined,
    status: 500,
    demo: raw.size === 0 ? defaults.demo : undefined,
  };
  for (const [key, value] of raw) {
    switch (key) {
      case "tokens":
        settings.tokens = count(key, value, 100_000);
        break;
      case "delay":
        settings.delayMs = count(key, value, 60_000);
        break;
      case "reasoning":
        settings.reasoning = count(key, value, 100_000);
        break;
      case "status":
        settings.status = count(key, value, 599);
        if (settings.status < 400) throw invalid("status must be between 400 and 599");
        break;
      case "fail":
        settings.fault = parseFault(value);
        break;
      default:
        throw invalid(`unknown key "${key}" (known: tokens, delay, reasoning, fail, status)`);
    }
  }
  return settings;
}

function parseFault(value: string): Fault {
  if (value === "before" || value === "hang") return { kind: value };
  const [kind, tokens] = value.split(":", 2);
  if ((kind === "after" || kind === "hang-after") && tokens !== undefined) {
    return { kind, tokens: count("fail", tokens, 100_000) };
  }
  throw invalid(`fail must be before, hang, after:N or hang-after:N, got "${value}"`);
}

function count(key: string, value: string, max: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > max) {
    throw invalid(`${key} must be a whole number from 0 to ${max}, got "${value}"`);
  }
  return number;
}

function invalid(reason: string): UpstreamError {
  return new UpstreamError(400, `Invalid mock directive: ${reason}.`, {
    code: "invalid_mock_directive",
  });
}

/**
 * The reply for a prompt. `maxOutputTokens` bounds reasoning and answer together, as OpenAI
 * does; a cut answer is a prefix of the uncut one, and so is the answer sent before a fault.
 */
export function planReply(
  model: MockModel,
  messages: readonly PromptMessage[],
  settings: MockSettings,
  maxOutputTokens: number | undefined,
): ReplyPlan {
  const seed = hashPrompt(model.id, messages);
  const demo = settings.demo && demoReply(model, messages, settings.demo);
  let reasoning = demo?.reasoning ?? generateTokens(seed ^ 0x5bd1e995, settings.reasoning);
  let answer = demo?.answer ?? generateTokens(seed, settings.tokens);
  let ending: ReplyPlan["ending"] = "stop";
  if (maxOutputTokens !== undefined && reasoning.length + answer.length > maxOutputTokens) {
    reasoning = reasoning.slice(0, maxOutputTokens);
    answer = answer.slice(0, maxOutputTokens - reasoning.length);
    ending = "length";
  }
  const fault = settings.fault;
  switch (fault?.kind) {
    case "before":
      ending = "fail-before";
      break;
    case "hang":
      reasoning = [];
      answer = [];
      ending = "hang";
      break;
    case "after":
    case "hang-after":
      answer = answer.slice(0, fault.tokens);
      ending = fault.kind === "after" ? "fail-after" : "hang";
      break;
  }
  const described = fault?.kind === "after" ? `after:${fault.tokens}` : fault?.kind;
  return {
    reasoning,
    answer,
    ending,
    silent: fault?.kind === "hang",
    failure: new UpstreamError(settings.status, `Mock upstream failure (fail=${described}).`, {
      code: "mock_failure",
    }),
    delayMs: settings.delayMs,
    inputTokens: messages.reduce((sum, message) => sum + countWords(message.text), 0),
  };
}

/** "Prompt tokens": words outside directives. */
function countWords(text: string): number {
  return text.replace(DIRECTIVE, " ").split(/\s+/).filter(Boolean).length;
}

// FNV-1a over the prompt without directives, so changing only `tokens=` or `fail=` keeps the text.
function hashPrompt(model: string, messages: readonly PromptMessage[]): number {
  const canonical = [
    model,
    ...messages.map((m) => [m.role, m.text.replace(DIRECTIVE, ""), ...m.images].join("\u0000")),
  ];
  let hash = 0x811c9dc5;
  for (const char of canonical.join("\u0001")) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a tiny seeded generator, good enough to vary placeholder text (and test cases). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "the a an this that each every some many few our your their its we you they it " +
  "answer question message reply draft branch stream token model prompt idea note detail " +
  "example step moment thought reason result window garden river light path bridge signal " +
  "server browser system tab page list table record story summary " +
  "is are was can will should might could may does makes keeps gives takes shows finds reads " +
  "writes builds sends holds brings turns moves waits starts ends follows explains " +
  "simple quiet small clear open careful bright steady gentle early later useful plain short " +
  "long new old warm calm swift patient curious honest tidy ready likely local whole " +
  "and or but so because while when if then also still just only even often always perhaps " +
  "quite very more less first next last other same different"
).split(" ");

/**
 * `count` tokens of placeholder prose in the style of a BPE stream: words carry their leading
 * space, punctuation (a paragraph break rides on its full stop) is a token of its own, and now and then a word is
 * **bold** or `code`. The last token closes the sentence; all others depend only on the seed
 * and their position, so a shorter run is a prefix of a longer one up to its last token.
 */
export function generateTokens(seed: number, count: number): string[] {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const tokens: string[] = [];
  let wordsLeft = 0;
  let sentencesLeft = 3 + Math.floor(next() * 3);

  // Runs past `count` and trims, so no choice depends on `count`.
  while (tokens.length < count) {
    let sentenceStart = false;
    if (wordsLeft === 0) {
      if (tokens.length > 0) {
        sentencesLeft -= 1;
        tokens.push(sentencesLeft === 0 ? ".\n\n" : ".");
        if (sentencesLeft === 0) sentencesLeft = 3 + Math.floor(next() * 3);
      }
      wordsLeft = 5 + Math.floor(next() * 10);
      sentenceStart = true;
    }

    let word = pick(WORDS);
    if (sentenceStart) word = word.charAt(0).toUpperCase() + word.slice(1);
    const style = next();
    if (style < 0.05) word = `**${word}**`;
    else if (style < 0.08) word = `\`${word}\``;
    const previous = tokens.at(-1);
    tokens.push(previous === undefined || previous.endsWith("\n") ? word : ` ${word}`);
    wordsLeft -= 1;
    if (wordsLeft > 2 && next() < 0.1) tokens.push(",");
  }
  tokens.length = count;

  const last = tokens.at(-1);
  if (last !== undefined) tokens[tokens.length - 1] = /^[,.]/.test(last) ? "." : `${last}.`;
  return tokens;
}

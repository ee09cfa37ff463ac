// What the mock says in demo mode (no provider configured): instead of placeholder prose, a short
// tour of Parley. It welcomes people, says it is a demo model and how to connect a real one, and
// when asked shows Markdown (a table, code, math), a long answer to stop and resume, reasoning,
// and what the vision model receives of an image. Deterministic: the same prompt, the same reply.
// Only the registry's own mock in demo mode answers this way; tests and benchmarks keep the
// placeholder prose, and a `[[mock …]]` directive brings it back here too.

import type { MockModel, PromptMessage } from "./models.ts";

/** The demo's settings: where its links point. */
export interface DemoOptions {
  /** The README's section on providers (Parley serves the README, see http/spa.ts). */
  docsUrl: string;
}

/** The README's section on providers, on the Parley at `publicUrl`. */
export function providerDocs(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/README.md#connecting-a-model-provider`;
}

/** A demo reply, as tokens (each word with its leading whitespace), the way a model streams. */
export interface DemoReply {
  reasoning: string[];
  answer: string[];
}

type Topic = "welcome" | "markdown" | "long" | "reasoning" | "image";

/** The demo's reply to `messages` (the request's whole prompt, system messages included). */
export function demoReply(
  model: MockModel,
  messages: readonly PromptMessage[],
  options: DemoOptions,
): DemoReply {
  const lastUser = messages.findLast((message) => message.role === "user");
  const topic = topicOf(lastUser);
  // A title request (a system message asking for one): a title, not a tour.
  if (messages.some((message) => message.role === "system" && /\btitle\b/i.test(message.text))) {
    return { reasoning: [], answer: tokens(TITLES[topic]) };
  }
  let answer = answerFor(topic, model, messages, lastUser).replaceAll(DOCS, options.docsUrl);
  // Continuing an answer cut short: the rest of the same answer.
  const last = messages.at(-1);
  if (last?.role === "assistant" && last.text && answer.startsWith(last.text)) {
    answer = answer.slice(last.text.length);
  }
  const reasoning = model.reasoning ? REASONING[topic] : "";
  return { reasoning: tokens(reasoning), answer: tokens(answer) };
}

function topicOf(message: PromptMessage | undefined): Topic {
  if (!message) return "welcome";
  const text = message.text.toLowerCase();
  if (message.images.length > 0 || /\b(image|images|picture|photo|vision)\b/.test(text)) {
    return "image";
  }
  if (/\b(markdown|table|code|math|maths|formula|latex|format)/.test(text)) return "markdown";
  if (/\b(long|stop|resume|continue|story|essay)\b/.test(text)) return "long";
  if (/\b(reason|reasoning|think|thinking)\b/.test(text)) return "reasoning";
  return "welcome";
}

/** Words with their leading whitespace, so that joined they give the text back exactly. */
function tokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

function answerFor(
  topic: Topic,
  model: MockModel,
  messages: readonly PromptMessage[],
  lastUser: PromptMessage | undefined,
): string {
  switch (topic) {
    case "markdown":
      return MARKDOWN;
    case "long":
      return LONG;
    case "reasoning":
      return model.reasoning ? REASONED : NO_REASONING;
    case "image":
      if (!model.vision) return NO_VISION;
      return lastUser?.images.length ? describeImages(lastUser.images) : VISION_WAITING;
    case "welcome": {
      const first = messages.filter((message) => message.role === "user").length <= 1;
      return first ? WELCOME : MENU;
    }
  }
}

/** Stands for the docs URL in the texts below. */
const DOCS = "{docs}";

const TRY =
  "Meanwhile, ask me for **markdown** (a table, code and math), **a long answer** (to stop and continue, or to reload halfway), **reasoning** (pick *Parley Demo Reasoning* in the model menu) or **an image** (attach one for *Parley Demo Vision*).";

const WELCOME = `Hello! I am **Parley Demo**, the stand-in model Parley answers with until a provider is connected: I do not understand what you write, I show what Parley can do.

**To talk to a real model**, set \`OPENAI_API_KEY\` (OpenAI), \`OPENAI_BASE_URL\` (Ollama, vLLM, llama.cpp, LM Studio, OpenRouter…) or \`MODELS\` in Parley's settings (the \`.env\` file) and restart it. The README shows how: [Connecting a model provider](${DOCS}).

${TRY}`;

const MENU = `I am still the demo model, so I cannot answer that; a real model can, once a provider is connected ([how](${DOCS})).

${TRY}`;

const MARKDOWN = `Here is what answers can hold. A **table**:

| Model | Reads images | Thinks first |
| --- | :---: | :---: |
| Parley Demo | no | no |
| Parley Demo Reasoning | no | yes |
| Parley Demo Vision | yes | no |

**Code**, highlighted, with a copy button; this script lists your conversations through Parley's typed API:

\`\`\`ts
import { createParleyClient } from "@parley/server/client";

const parley = createParleyClient({ url: "http://localhost:3000", token: process.env.PARLEY_TOKEN });
const { items } = await parley.conversations.list.query({ limit: 5 });
for (const conversation of items) console.log(conversation.title);
\`\`\`

And **math**, inline as in $e^{i\\pi} + 1 = 0$, or on its own line:

$$
\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}
$$

Lists, links, quotes and task lists work too: everything a model writes in Markdown is rendered safely (no script, no remote images).`;

const LONG_PARAGRAPHS = [
  "Here is a long answer, long enough to try two things: press **Stop** while it streams, then **Continue**; or reload the page in the middle and watch it pick up where it was.",
  "An answer is not written by your browser but by the server. When you send a message, Parley saves it, starts the generation on the server and tells the page which one to follow. The page subscribes to its events: the text as it arrives, a word or a few at a time, and at the end one last event with the whole answer as it was saved.",
  "Every event has a number. If the connection drops, because the laptop went to sleep, the train went into a tunnel or you reloaded the page, the browser reconnects and says the number of the last event it saw. The server sends what came after it, nothing twice and nothing missing. Closing the tab does not stop the answer either: it goes on being written, and it is there when you come back.",
  "Stopping is different: it is a decision, so it goes to the server, which cuts the request to the model at once. What was written so far is kept and marked as stopped. Continue asks the model to go on from exactly there, in the same answer, rather than starting over; with a real model the continuation reads what was already written and carries on from it.",
  "While it is written, the answer is saved every second, so that even a crash of the server loses at most the last second. Other tabs of the same conversation show the same answer growing at the same time, and the sidebar marks conversations with an answer in progress, so you can start one, go elsewhere and come back.",
  "Each event sent to the browser is padded to the same size, whatever the length of its words. Someone watching the encrypted traffic could otherwise count the bytes of each token and guess the words of an answer from their lengths, which researchers showed can be done against chat assistants. Padding costs a few bytes per event and closes that door.",
  "Everything you send goes through the same few steps. The message is checked first: its length, the files attached to it, whether the chosen model can read images. Then it is saved with an empty answer under it, in one write, and only then is the model called, so a crash at any point leaves a conversation that makes sense: a question, and an answer marked as interrupted.",
  "Branches come from the same design. Retry writes another answer beside the first; editing a question writes a new question beside the old one, with its own answer. Nothing is overwritten, and the arrows under a message move between its siblings. A share link shows the whole tree, opening at the branch you were reading.",
  "Several people, several tabs, several servers: with Redis configured, the events of an answer are kept there, so a page connected to another instance behind the load balancer follows the same answer, and a stop pressed anywhere reaches the instance writing it within a fraction of a second.",
  "When the answer ends, the server saves it whole and says so. If a model stops because it reached its output token limit rather than because it was done, Parley marks the answer as cut off at the length limit and offers Continue on it, the same way as after a stop.",
  "That is the end of the long answer. If you stopped it along the way and continued, the text above reads as one piece, as if it had never been interrupted.",
];
const LONG = LONG_PARAGRAPHS.join("\n\n");

const NO_REASONING = `I do not think before answering, but **Parley Demo Reasoning** does: pick it in the model menu above the message box and ask again. Its reasoning streams first, in a box of its own that folds away once the answer starts, and is kept with the answer (Settings can hide it while it streams).`;

const REASONED = `There: the reasoning above came first, apart from the answer. Parley streams it as the model thinks, keeps it with the answer, and folds it away so the answer stays easy to read. Models with reasoning also take an effort setting (low, medium, high) in Settings, per model.`;

const REASONING: Record<Topic, string> = {
  welcome:
    "Someone wrote to me. I am a demo model, so rather than answer I should show what Parley can do, and say how to connect a real model.",
  markdown:
    "They want formatting. A table of the demo models, a short script using the typed client, and a formula or two should show it all.",
  long: "A long answer, then. It should be long enough to stop halfway and continue, and say what happens meanwhile.",
  reasoning:
    "They asked me to think. First, this text is reasoning: it streams before the answer. Second, it is stored apart from the answer. Third, the answer should point at it.",
  image: "An image question. I cannot see images; the vision model can read what it was sent.",
};

const NO_VISION = `I cannot take images, but **Parley Demo Vision** can: pick it in the model menu, attach a picture with the paperclip (or drag it in, or paste a screenshot) and send it with a question. Parley refuses images for models that cannot read them before anything is sent.`;

const VISION_WAITING = `Attach an image (the paperclip, drag and drop, or paste a screenshot) and send it, with a question or without: I will tell you what I received.`;

const TITLES: Record<Topic, string> = {
  welcome: "Welcome to Parley",
  markdown: "Markdown, code and math",
  long: "A long answer to stop and resume",
  reasoning: "Thinking before answering",
  image: "An image for the vision model",
};

function describeImages(images: readonly string[]): string {
  const lines = images.map((url, index) => `${index + 1}. ${describeImage(url)}`);
  const count = images.length === 1 ? "one image" : `${images.length} images`;
  return `I received ${count}:

${lines.join("\n")}

A real vision model would tell you what is in ${images.length === 1 ? "it" : "them"}; I only read the file's header. Parley sent ${images.length === 1 ? "it" : "them"} inside the request as data URLs (open **Inspect prompt** under this answer to see the request), and sends ${images.length === 1 ? "it" : "them"} again with every later message of this branch, so the model keeps seeing ${images.length === 1 ? "it" : "them"}.`;
}

function describeImage(url: string): string {
  const match = /^data:([^;,]+)(;base64)?,(.*)$/s.exec(url);
  if (!match) return "an image given by reference (not its bytes)";
  const [, type = "", base64, data = ""] = match;
  const bytes = base64 ? Buffer.from(data, "base64") : Buffer.from(decodeURIComponent(data));
  const size = imageSize(bytes);
  const kind = type.replace(/^image\//, "").toUpperCase();
  const dimensions = size ? `, ${size.width} × ${size.height} pixels` : "";
  return `a ${kind} image${dimensions}, ${formatSize(bytes.length)}`;
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

/** Width and height from an image's header (PNG, GIF, JPEG, WebP); undefined if unreadable. */
export function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
  try {
    if (bytes.subarray(1, 4).toString("latin1") === "PNG") {
      return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
    }
    if (bytes.subarray(0, 3).toString("latin1") === "GIF") {
      return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegSize(bytes);
    if (bytes.subarray(8, 12).toString("latin1") === "WEBP") return webpSize(bytes);
  } catch {
    // A header cut short: no size.
  }
  return undefined;
}

function jpegSize(bytes: Buffer) {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1] ?? 0;
    // Start-of-frame markers (not DHT, JPG or DAC) carry the size.
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    offset += 2 + bytes.readUInt16BE(offset + 2);
  }
  return undefined;
}

function webpSize(bytes: Buffer) {
  const chunk = bytes.subarray(12, 16).toString("latin1");
  if (chunk === "VP8X") {
    return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
  }
  if (chunk === "VP8 ") {
    return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === "VP8L") {
    const bits = bytes.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return undefined;
}

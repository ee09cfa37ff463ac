// Markdown → sanitized HTML for one block. Model output is untrusted: raw HTML is shown as
// text (never parsed), links and images keep only http(s)/mailto URLs, images become links
// (an image URL would leak the conversation to its host as soon as it renders), and the result
// goes through DOMPurify as a second line of defence.

import DOMPurify from "dompurify";
import { Marked, type TokenizerAndRendererExtension, type Tokens } from "marked";
import type { Renderers } from "./renderers.ts";

export interface RenderedBlock {
  html: string;
  /** The block has math that KaTeX would render (KaTeX was not loaded). */
  wantsMath: boolean;
  /** The block has code highlight.js would colour (it was not loaded). */
  wantsHighlight: boolean;
}

interface RenderState {
  renderers: Renderers;
  /** Colour code (off while a block is still streaming: it changes every frame). */
  highlight: boolean;
  wantsMath: boolean;
  wantsHighlight: boolean;
}

// The renderer reads the current call's options from here: marked renders synchronously.
let state: RenderState = {
  renderers: {},
  highlight: false,
  wantsMath: false,
  wantsHighlight: false,
};

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

/** The URL if it is absolute http(s) or mailto; anything else (javascript:, data:…) is dropped. */
export function safeUrl(href: string | null | undefined): string | null {
  if (!href) return null;
  try {
    const url = new URL(href.trim());
    return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function renderMath(tex: string, displayMode: boolean, raw: string): string {
  const katex = state.renderers.katex;
  if (!katex) {
    state.wantsMath = true;
    return `<span class="math-pending">${escapeHtml(raw)}</span>`;
  }
  return katex.renderToString(tex, {
    displayMode,
    throwOnError: false,
    trust: false,
    strict: "ignore",
    output: "htmlAndMathml",
  });
}

interface MathToken extends Tokens.Generic {
  type: "blockMath" | "inlineMath";
  raw: string;
  tex: string;
  display: boolean;
}

/** `$$ … $$` or `\[ … \]` starting a line. An unclosed one runs to the end (it is streaming). */
const blockMath: TokenizerAndRendererExtension = {
  name: "blockMath",
  level: "block",
  start: (src) => src.match(/^ {0,3}(\$\$|\\\[)/m)?.index,
  tokenizer(src) {
    const open = /^ {0,3}(\$\$|\\\[)/.exec(src);
    if (!open) return undefined;
    const close = open[1] === "$$" ? "$$" : "\\]";
    const start = open[0].length;
    const end = src.indexOf(close, start);
    if (end < 0) {
      return { type: "blockMath", raw: src, tex: src.slice(start), display: true } as MathToken;
    }
    const after = /^[ \t]*(?:\n|$)/.exec(src.slice(end + close.length));
    if (!after) return undefined;
    const raw = src.slice(0, end + close.length + after[0].length);
    return { type: "blockMath", raw, tex: src.slice(start, end), display: true } as MathToken;
  },
  renderer(token) {
    const math = token as MathToken;
    return `<div class="math-display">${renderMath(math.tex, true, math.raw)}</div>`;
  },
};

const INLINE_MATH = [
  { pattern: /^\$\$([^$]+?)\$\$/, display: true },
  { pattern: /^\\\[([\s\S]+?)\\\]/, display: true },
  { pattern: /^\\\(([\s\S]+?)\\\)/, display: false },
  // $…$: no space inside the dollars, and no digit right after (so "$5 and $10" stays prose).
  { pattern: /^\$(?!\s)((?:\\\$|[^$\n])*?[^\s\\])\$(?!\d)/, display: false },
  { pattern: /^\$([^\s$\\])\$(?!\d)/, display: false },
];

const inlineMath: TokenizerAndRendererExtension = {
  name: "inlineMath",
  level: "inline",
  start: (src) => src.match(/\$|\\[([]/)?.index,
  tokenizer(src) {
    for (const { pattern, display } of INLINE_MATH) {
      const match = pattern.exec(src);
      if (match) {
        return { type: "inlineMath", raw: match[0], tex: match[1] ?? "", display } as MathToken;
      }
    }
    return undefined;
  },
  renderer(token) {
    const math = token as MathToken;
    return renderMath(math.tex, math.display, math.raw);
  },
};

const markdown = new Marked({ gfm: true, breaks: false, async: false });
markdown.use({
  extensions: [blockMath, inlineMath],
  renderer: {
    html({ text }) {
      return escapeHtml(text);
    },
    code({ text, lang }) {
      const language = (lang ?? "").trim().split(/\s+/)[0]?.toLowerCase() ?? "";
      const hljs = state.renderers.hljs;
      let body = escapeHtml(text);
      if (language && state.highlight) {
        if (!hljs) state.wantsHighlight = true;
        else if (hljs.getLanguage(language)) {
          body = hljs.highlight(text, { language, ignoreIllegals: true }).value;
        }
      }
      const label = escapeHtml(language || "text");
      return (
        `<div class="code-block"><div class="code-header"><span class="code-lang">${label}</span>` +
        `<button type="button" class="code-copy" data-copy-code aria-label="Copy code">Copy</button></div>` +
        `<pre><code class="hljs${language ? ` language-${label}` : ""}">${body}</code></pre></div>`
      );
    },
    link({ href, title, tokens }) {
      const text = this.parser.parseInline(tokens);
      const url = safeUrl(href);
      if (!url) return text;
      const titled = title ? ` title="${escapeHtml(title)}"` : "";
      return `<a href="${escapeHtml(url)}"${titled} target="_blank" rel="noopener noreferrer">${text}</a>`;
    },
    image({ href, text }) {
      const url = safeUrl(href);
      const label = escapeHtml(text || href || "image");
      if (!url) return label;
      return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${label}</a>`;
    },
  },
});

let hooked = false;
/** Links from markdown open in a new tab without handing it this window. */
function hookLinks() {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
  });
}

const PURIFY = {
  ADD_ATTR: ["target"],
  // KaTeX's MathML keeps the TeX source in an annotation (read by screen readers, copied along).
  ADD_TAGS: ["semantics", "annotation"],
  FORBID_TAGS: ["style", "form", "textarea", "select", "iframe", "object", "embed", "img"],
};

/** One block of markdown (see blocks.ts) as sanitized HTML. */
export function renderBlock(
  source: string,
  options: { renderers: Renderers; highlight: boolean },
): RenderedBlock {
  hookLinks();
  state = { ...options, wantsMath: false, wantsHighlight: false };
  const html = markdown.parse(source) as string;
  const { wantsMath, wantsHighlight } = state;
  return { html: DOMPurify.sanitize(html, PURIFY), wantsMath, wantsHighlight };
}

/** Splits markdown into top-level blocks (the tokens of marked's block lexer). */
export function lexBlocks(source: string): { type: string; raw: string }[] {
  return markdown.lexer(source);
}

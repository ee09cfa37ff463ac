import { type MouseEvent, memo, useEffect, useMemo, useRef } from "react";
import { copyText } from "../../../lib/clipboard.ts";
import { EMPTY_SPLIT, splitBlocks } from "./blocks.ts";
import { renderBlock } from "./render.ts";
import { loadHighlighter, loadKatex, useRenderers } from "./renderers.ts";

/**
 * Markdown as sanitized HTML, one element per top-level block. While `streaming`, finished
 * blocks keep their element untouched (memoized on their text) and only the last one
 * re-renders, so a new token costs the same at the end of a long answer as at its start.
 */
export function Markdown({ text, streaming = false }: { text: string; streaming?: boolean }) {
  const splitRef = useRef(EMPTY_SPLIT);
  const split = useMemo(() => {
    const next = splitBlocks(splitRef.current, text);
    splitRef.current = next;
    return next;
  }, [text]);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/noStaticElementInteractions: delegates clicks of the code blocks' copy buttons, which are real buttons.
    <div className="markdown" onClick={onCopyCode}>
      {split.done.map((block, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: blocks only ever get appended.
        <Block key={index} source={block} final />
      ))}
      {split.open.trim() !== "" && (
        <Block key={split.done.length} source={split.open} final={!streaming} />
      )}
    </div>
  );
}

const Block = memo(function Block({ source, final }: { source: string; final: boolean }) {
  const renderers = useRenderers();
  // Code is coloured once its block is complete: colouring a growing block every frame costs
  // more than it shows.
  const rendered = useMemo(
    () => renderBlock(source, { renderers, highlight: final }),
    [source, final, renderers],
  );
  useEffect(() => {
    if (rendered.wantsMath) loadKatex();
    if (rendered.wantsHighlight) loadHighlighter();
  }, [rendered]);
  // biome-ignore lint/security/noDangerouslySetInnerHtml: renderBlock escapes raw HTML and sanitizes its output with DOMPurify.
  return <div className="md-block" dangerouslySetInnerHTML={{ __html: rendered.html }} />;
});

function onCopyCode(event: MouseEvent<HTMLDivElement>) {
  const button = (event.target as Element).closest<HTMLButtonElement>("[data-copy-code]");
  const code = button?.closest(".code-block")?.querySelector("code")?.textContent;
  if (!button || code == null) return;
  void copyText(code).then((copied) => {
    button.textContent = copied ? "Copied" : "Copy failed";
    window.setTimeout(() => {
      button.textContent = "Copy";
    }, 2000);
  });
}

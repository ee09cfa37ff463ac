import { describe, expect, it } from "vitest";
import { allBlocks, EMPTY_SPLIT, splitBlocks } from "../src/features/transcript/markdown/blocks.ts";

const DOCUMENT = [
  "# Title",
  "",
  "A paragraph with **bold** and `code`,",
  "over two lines.",
  "",
  "| a | b |",
  "|---|---|",
  "| 1 | 2 |",
  "",
  "```js",
  "const x = 1;",
  "",
  "console.log(x);",
  "```",
  "",
  "- one",
  "",
  "- two",
  "  continued",
  "- [ ] task",
  "",
  "> quoted",
  "lazily",
  "",
  "$$",
  "x^2",
  "",
  "y",
  "$$",
  "",
  "Setext",
  "---",
  "Last words.",
].join("\n");

describe("markdown blocks while streaming", () => {
  it("splits a growing text into the same blocks as the finished text, whatever the chunks", () => {
    for (const chunk of [1, 2, 3, 7, 40]) {
      let split = EMPTY_SPLIT;
      for (let end = chunk; end < DOCUMENT.length + chunk; end += chunk) {
        split = splitBlocks(split, DOCUMENT.slice(0, end));
        // Finished blocks are never revised: each is a block of the final text.
        expect(allBlocks(DOCUMENT).slice(0, split.done.length)).toEqual(split.done);
      }
      const blocks = split.open.trim() ? [...split.done, split.open] : [...split.done];
      expect(blocks).toEqual(allBlocks(DOCUMENT));
    }
  });

  it("keeps finished blocks and re-lexes only the last one", () => {
    const paragraphs = Array.from({ length: 200 }, (_, index) => `Paragraph ${index} text.`);
    let split = EMPTY_SPLIT;
    let text = "";
    for (const paragraph of paragraphs) {
      text += `${paragraph}\n\n`;
      const previous = split;
      split = splitBlocks(split, text);
      // The unfinished part stays one paragraph long, however long the answer gets.
      expect(split.open.length).toBeLessThanOrEqual(paragraph.length + 2);
      // Finished blocks are shared, not copied from a new parse.
      for (const [index, block] of previous.done.entries()) expect(split.done[index]).toBe(block);
    }
    expect(split.done.length).toBe(199);
  });

  it("starts over when the text is replaced rather than extended", () => {
    const first = splitBlocks(EMPTY_SPLIT, "One.\n\nTwo.\n\nThree.");
    const replaced = splitBlocks(first, "Other.\n\nText.");
    expect([...replaced.done, replaced.open]).toEqual(["Other.", "Text."]);
  });
});

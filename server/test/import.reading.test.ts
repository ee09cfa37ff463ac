// The pure parts of importing: reading a JSON document piece by piece (whatever the chunk
// boundaries), and ChatGPT's citation markers turned into links or removed.

import { describe, expect, it } from "vitest";
import { withCitations } from "../src/chat/import/citations.ts";
import { type DocumentBytes, jsonPieces, NotJson, readJson } from "../src/chat/import/json.ts";

function inChunks(text: string, size: number): DocumentBytes {
  const bytes = Buffer.from(text);
  return {
    async *open() {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    },
  };
}

async function pieces(text: string, size: number) {
  const found: unknown[] = [];
  try {
    for await (const piece of jsonPieces(inChunks(text, size), () => 1_000)) {
      found.push(
        piece.kind === "array"
          ? `[${piece.key}]`
          : [piece.key, piece.index, piece.text === undefined ? "…" : JSON.parse(piece.text)],
      );
    }
    return found;
  } catch (error) {
    if (error instanceof NotJson) return `not JSON at ${error.offset}`;
    throw error;
  }
}

describe("reading JSON piece by piece", () => {
  const cases: [string, unknown][] = [
    [
      '[{"a":[1,2,{"b":"]"}]}, 2, "x\\"y", null, true]',
      [
        [null, 0, { a: [1, 2, { b: "]" }] }],
        [null, 1, 2],
        [null, 2, 'x"y'],
        [null, 3, null],
        [null, 4, true],
      ],
    ],
    [
      '\uFEFF{"format":"parley.export","conversations":[{"t":"}"},{"é":1}],"files":[],"n":-1.5e3}',
      [
        ["format", null, "parley.export"],
        "[conversations]",
        ["conversations", 0, { t: "}" }],
        ["conversations", 1, { é: 1 }],
        "[files]",
        ["n", null, -1500],
      ],
    ],
    [
      // Backslashes and escaped quotes, wherever the chunks are cut.
      JSON.stringify(["a\\", 'b"c', '\\"', "\\\\\\", 'x"']),
      [
        [null, 0, "a\\"],
        [null, 1, 'b"c'],
        [null, 2, '\\"'],
        [null, 3, "\\\\\\"],
        [null, 4, 'x"'],
      ],
    ],
    ["[]", []],
    ["{}", []],
    [" 12 ", [[null, null, 12]]],
    ["{ not json", "not JSON at 2"],
    ["Dear diary", "not JSON at 0"],
    ["[1,]", "not JSON at 3"],
    ['{"a":1,}', "not JSON at 7"],
    ["[1 2]", "not JSON at 3"],
    ["[{]", "not JSON at 2"],
    ["[1]x", "not JSON at 3"],
    ['[{"a":1}', "not JSON at 8"],
    ["", "not JSON at 0"],
  ];
  it.each(cases)("reads %j the same in any chunks", async (text, expected) => {
    for (const size of [1, 2, 7, 1_000_000]) expect(await pieces(text, size)).toEqual(expected);
  });

  it("reads a piece larger than asked for without its text", async () => {
    expect(await pieces(`{"big":"${"x".repeat(2_000)}","small":1}`, 64)).toEqual([
      ["big", null, "…"],
      ["small", null, 1],
    ]);
  });

  it("tells the shape: a list's length and first element, an object's small members", async () => {
    const document = await readJson(
      "x",
      inChunks(JSON.stringify({ version: 4, history: [{ name: "a" }, { name: "b" }] }), 5),
    );
    expect(document.shape).toEqual({
      kind: "object",
      values: { version: 4 },
      arrays: { history: { length: 2, first: { name: "a" } } },
      large: [],
    });
    const names: unknown[] = [];
    for await (const element of document.elements("history")) names.push(element);
    expect(names).toEqual([
      { index: 0, value: { name: "a" } },
      { index: 1, value: { name: "b" } },
    ]);
  });

  it("gives a damaged element as a problem, and the others as values", async () => {
    const document = await readJson("x", inChunks('[{"a":1},{"a":tru},{"a":3}]', 4));
    const elements: unknown[] = [];
    for await (const element of document.elements(null)) elements.push(element);
    expect(elements).toEqual([
      { index: 0, value: { a: 1 } },
      { index: 1, problem: "this part of the file is damaged" },
      { index: 2, value: { a: 3 } },
    ]);
  });
});

describe("ChatGPT's citation markers", () => {
  const page = (title: string, url: string) => ({ type: "webpage", title, url });

  it("links a bracket marker to the citation recorded at its position (counted in code points)", () => {
    const text = "Ünïcödé 😀 fact【3:0†source】.";
    const at = Array.from(text).indexOf("【");
    const metadata = {
      citations: [
        { start_ix: at, end_ix: at + 12, metadata: page("A <b> [page]", "https://a.example/x y") },
      ],
    };
    expect(withCitations(text, metadata)).toBe(
      "Ünïcödé 😀 fact [[1]](https://a.example/x%20y).\n\n**Sources**\n\n1. [A \\<b\\> \\[page\\]](https://a.example/x%20y)",
    );
  });

  it("finds a marker's source by its numbers, or in the browsing results before it", () => {
    const metadata = {
      citations: [
        {
          metadata: {
            ...page("Two", "https://two.example/"),
            extra: { cited_message_idx: 5, search_result_idx: 2 },
          },
        },
      ],
    };
    const results = [page("Zero", "https://zero.example/"), page("One", "http://one.example/")];
    expect(
      withCitations("A【5:2†source】 and B【1†source】, C【7†source】.", metadata, results),
    ).toBe(
      "A [[1]](https://two.example/) and B [[2]](http://one.example/), C.\n\n**Sources**\n\n1. [Two](https://two.example/)\n2. [One](http://one.example/)",
    );
  });

  it("removes markers whose source is not recorded, or is not a web page, without a trace", () => {
    const metadata = {
      content_references: [
        { matched_text: "\uE200cite\uE202turn0file1\uE201", type: "file", name: "notes.pdf" },
        {
          matched_text: "\uE200cite\uE202turn0search1\uE201",
          items: [page("x", "javascript:alert(1)")],
        },
      ],
    };
    const text =
      'One【4:2†notes.pdf】. Two \uE200cite\uE202turn0file1\uE201. Three\uE200cite\uE202turn0search1\uE201, four \uE200cite\uE202turn9search9\uE201\uE203 end.\uE200image_group\uE202{"query":["x"]}\uE201';
    expect(withCitations(text, metadata)).toBe("One. Two. Three, four end.");
  });

  it("shows an entity by its name and numbers a source cited twice once", () => {
    const cite = "\uE200cite\uE202turn0search0\uE201";
    const metadata = {
      content_references: [
        { matched_text: cite, items: [page("W", "https://w.example/")] },
        { matched_text: cite, items: [page("W", "https://w.example/")] },
      ],
    };
    expect(
      withCitations(
        `\uE200entity\uE202["people","Ada Lovelace"]\uE201 wrote it.${cite} Yes.${cite}`,
        metadata,
      ),
    ).toBe(
      "Ada Lovelace wrote it. [[1]](https://w.example/) Yes. [[1]](https://w.example/)\n\n**Sources**\n\n1. [W](https://w.example/)",
    );
  });

  it("leaves text with no markers as it is, brackets in prose included", () => {
    expect(withCitations("【重要】 read this", {})).toBe("【重要】 read this");
  });
});

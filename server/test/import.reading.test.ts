// The pure parts of importing: reading a JSON document piece by piece (whatever the chunk
// boundaries), ChatGPT's citation markers turned into links or removed, and a source's broken
// message tree mended by the shared tree's one policy.

import { describe, expect, it } from "vitest";
import { withCitations } from "../src/chat/import/citations.ts";
import {
  type ImportMessage,
  keepMessages,
  mendTree,
  timesAlongBranches,
} from "../src/chat/import/conversation.ts";
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

describe("a source's message tree", () => {
  /** Messages from "key<parent" specs ("a" alone is a root), `minute` minutes apart in order. */
  const messages = (...specs: string[]): ImportMessage[] =>
    specs.map((spec, minute) => {
      const [key = "", parentKey] = spec.split("<");
      return {
        key,
        parentKey: parentKey ?? null,
        role: "user",
        content: key,
        reasoning: "",
        interrupted: false,
        error: null,
        model: null,
        parameters: null,
        usage: null,
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)),
        attachments: [],
      };
    });
  const links = (list: readonly { key: string; parentKey: string | null }[]) =>
    list.map(({ key, parentKey }) => (parentKey === null ? key : `${key}<${parentKey}`));

  it("keeps every message of a broken tree, each loop and orphan starting a branch, and says so", () => {
    const notes: string[] = [];
    // x's parent is missing; c1 and c2 name each other; d hangs off the loop; b is listed twice.
    const mended = mendTree(messages("a", "b<a", "x<gone", "c1<c2", "c2<c1", "d<c2", "b"), notes);
    expect(links(mended)).toEqual(["a", "b<a", "x", "c1", "c2<c1", "d<c2"]);
    expect(notes).toEqual([
      "Left out 1 message listed twice.",
      "1 message came without the message before it; it starts a branch of its own.",
      "1 message led back to itself through the messages before it; it starts a branch of its own.",
    ]);
  });

  it("puts parents first, by time, even when a child is stamped before its parent", () => {
    const list = messages("b<a", "a", "c<a");
    const mended = mendTree(list, []);
    expect(links(mended)).toEqual(["a", "b<a", "c<a"]);
  });

  it("moves the children of a message left out up to the nearest one kept", () => {
    const list = messages("a", "s<a", "b<s", "t<gone", "c<t", "l1<l2", "l2<l1", "e<l2");
    const kept = keepMessages(list, (message) => !["s", "t", "l2"].includes(message.key));
    // c keeps the missing parent its dropped parent named, so mendTree reports it; e's dropped
    // parent leads back to l1, which mendTree then finds in a loop of one.
    expect(links(kept)).toEqual(["a", "b<a", "c<gone", "l1<l1", "e<l1"]);
    const notes: string[] = [];
    expect(links(mendTree(kept, notes))).toEqual(["a", "b<a", "c", "l1", "e<l1"]);
    expect(notes).toHaveLength(2);
  });

  it("gives a message without a time the nearest earlier one on its branch", () => {
    const list = messages("a", "b<a", "c<b", "x<gone", "l1<l2", "l2<l1");
    const own: Record<string, Date> = { a: new Date(1), x: new Date(2), l2: new Date(3) };
    const timeFor = timesAlongBranches(list, (message) => own[message.key] ?? null);
    expect(["a", "b", "c", "x", "l1", "l2", "nope"].map(timeFor)).toEqual([
      new Date(1),
      new Date(1),
      new Date(1),
      new Date(2),
      null,
      new Date(3),
      null,
    ]);
  });
});

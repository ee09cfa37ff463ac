// Streamed text frames are padded to whole 64-byte blocks, two at least, so that their size
// tells an eavesdropper nothing finer than a block about the text in them.

import { describe, expect, it } from "vitest";
import {
  FRAME_BLOCK_BYTES,
  MIN_FRAME_BYTES,
  paddedTextFrame,
  padForFrame,
} from "../src/chat/generations/padding.ts";

const bytes = (text: string) => Buffer.byteLength(text);

describe("padding of streamed text", () => {
  it("uses 64-byte blocks and frames of two blocks at least", () => {
    expect(FRAME_BLOCK_BYTES).toBe(64);
    expect(MIN_FRAME_BYTES).toBe(128);
  });

  it("pads to the next whole block, and not at all on a block's edge", () => {
    const cases: [number, number][] = [
      [0, 128],
      [1, 127],
      [127, 1],
      [128, 0],
      [129, 63],
      [191, 1],
      [192, 0],
      [193, 63],
      [1000, 24],
    ];
    for (const [size, pad] of cases) {
      expect(padForFrame(size), `${size} bytes`).toBe(" ".repeat(pad));
    }
  });

  it("makes every frame the smallest whole number of blocks, two at least, that holds it", () => {
    const texts = [
      "",
      "a",
      " the",
      "é",
      "日本語",
      "🦩",
      '"quoted"\n',
      "x".repeat(63),
      "y".repeat(500),
    ];
    for (const type of ["token", "reasoning"] as const) {
      for (const text of texts) {
        const frame = paddedTextFrame(type, text, { tail: "id: g1:42\n" });
        const pad = frame.match(/"pad":"( *)"/)?.[1] ?? "";
        const unpadded = bytes(frame) - pad.length;
        const blocks = Math.ceil(unpadded / FRAME_BLOCK_BYTES) * FRAME_BLOCK_BYTES;
        expect(bytes(frame), `${type} ${JSON.stringify(text)}`).toBe(
          Math.max(MIN_FRAME_BYTES, blocks),
        );
      }
    }
  });

  it("gives every usual token (up to 30 bytes of text) frames of the same size", () => {
    const sizes = new Set(
      ["a", " the", " internationalization", "é".repeat(15), "x".repeat(30)].map((text) =>
        bytes(paddedTextFrame("token", text, { tail: "id: generation-id:123456\n" })),
      ),
    );
    expect([...sizes]).toEqual([MIN_FRAME_BYTES]);
  });

  it("writes an SSE frame whose data line is the event as JSON, text intact", () => {
    const frame = paddedTextFrame("token", 'say "hi"\n🦩', {
      head: "event: message\n",
      tail: "id: g1:7\n",
    });
    const lines = frame.split("\n");
    expect(lines[0]).toBe("event: message");
    expect(lines[2]).toBe("id: g1:7");
    expect(frame.endsWith("\n\n")).toBe(true);
    const data = JSON.parse(lines[1]?.replace(/^data: /, "") ?? "");
    expect(data).toEqual({ type: "token", text: 'say "hi"\n🦩', pad: expect.any(String) });
    expect(data.pad).toMatch(/^ *$/);
  });
});

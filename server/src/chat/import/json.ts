// Reading a large JSON document one piece at a time: the elements of its top-level array, or the
// members of its top-level object (and the elements of those that are arrays), each parsed on
// its own. An export of 10,000 conversations is never held in memory whole, only one of them.
// The scanner checks the structure down to those pieces; JSON.parse checks each piece.

/** A document's bytes, read from the start each time they are opened (a file, a ZIP entry, text). */
export interface DocumentBytes {
  open(): AsyncIterable<Uint8Array>;
}

const TEXT_CHUNK = 1024 * 1024;

/** A string as a document (conversations.import), in 1 MB pieces. */
export function bytesOfText(text: string): DocumentBytes {
  const bytes = Buffer.from(text, "utf8");
  return {
    async *open() {
      for (let at = 0; at < bytes.length; at += TEXT_CHUNK) {
        yield bytes.subarray(at, at + TEXT_CHUNK);
      }
    },
  };
}

/** The document is not JSON; `offset` is the byte where that shows. */
export class NotJson extends Error {
  constructor(readonly offset: number) {
    super(`not JSON (at byte ${offset})`);
    this.name = "NotJson";
  }
}

/**
 * One piece of the document. `key` is the top-level member it belongs to (null in a top-level
 * array), `index` its position in an array (null for a member that is not an array element).
 * `kind: "array"` announces a member whose elements follow, one item each.
 */
export interface JsonPiece {
  key: string | null;
  index: number | null;
  kind: "value" | "array";
  /** The piece's JSON text, when it was asked for and not larger than asked. */
  text?: string;
  /** Its size in bytes. */
  size: number;
}

/** Which pieces to keep the text of, and up to how many bytes (larger ones come without text). */
export type Wanted = (key: string | null, index: number | null) => number;

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** How a number, true, false or null begins. */
const SCALAR_START = /[-0-9tfn]/;
/** The longest top-level member name kept (a longer one is still read, and cut). */
const KEY_BYTES = 1024;

interface OpenPiece {
  key: string | null;
  index: number | null;
  /** How many containers were open where it started. */
  depth: number;
  size: number;
  limit: number;
  /** Its bytes so far; null when not wanted or over its limit. */
  parts: Uint8Array[] | null;
  /** A string, number, true, false or null (it ends without a closing bracket). */
  scalar: boolean;
}

/**
 * The pieces of a document in order. Structure above the pieces is checked (NotJson); what is
 * inside a piece is only balanced here, and checked when it is parsed.
 */
export async function* jsonPieces(bytes: DocumentBytes, wanted: Wanted): AsyncGenerator<JsonPiece> {
  // The containers open here: the top-level one, a member array, then anything inside a piece.
  const stack: number[] = [];
  /** What the structural level (the top-level container or a member array) expects next. */
  let expect: "value" | "key" | "colon" | "comma" | "end" = "value";
  let inString = false;
  let escaped = false;
  let offset = 0;
  let sawValue = false;
  let piece = null as OpenPiece | null;
  /** The current member's name in a top-level object, and its bytes while it is being read. */
  let key: string | null = null;
  let keyBytes: number[] | null = null;
  let memberCount = 0;
  let elementIndex = 0;
  const finished: JsonPiece[] = [];

  const startPiece = (scalar: boolean) => {
    const inTopArray = stack.length === 1 && stack[0] === OPEN_ARRAY;
    const pieceKey = inTopArray ? null : key;
    const index = stack[stack.length - 1] === OPEN_ARRAY ? elementIndex : null;
    const limit = wanted(pieceKey, index);
    piece = {
      key: pieceKey,
      index,
      depth: stack.length,
      size: 0,
      limit,
      parts: limit > 0 ? [] : null,
      scalar,
    };
  };
  const finishPiece = (open: OpenPiece, tail: Uint8Array) => {
    open.size += tail.length;
    open.parts?.push(tail);
    const keep = open.parts !== null && open.size <= open.limit;
    finished.push({
      key: open.key,
      index: open.index,
      kind: "value",
      size: open.size,
      ...(keep ? { text: Buffer.concat(open.parts ?? []).toString("utf8") } : {}),
    });
    piece = null;
    expect = "comma";
  };

  for await (const chunk of bytes.open()) {
    let pieceFrom = 0;
    for (let i = 0; i < chunk.length; i++, offset++) {
      if (inString && !keyBytes) {
        // Most of a document is inside strings: skip to the closing quote natively.
        const from = i;
        const end = stringEnd(chunk, from, escaped);
        const to = end === -1 ? chunk.length - 1 : end;
        offset += to - from;
        i = to;
        if (end === -1) {
          escaped = endsEscaped(chunk, chunk.length, escaped, from);
          continue;
        }
        escaped = false;
      }
      const byte = chunk[i] as number;
      if (inString) {
        const closing = byte === QUOTE && !escaped;
        if (keyBytes && !closing && keyBytes.length < KEY_BYTES) keyBytes.push(byte);
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (closing) {
          inString = false;
          if (keyBytes) {
            key = memberName(keyBytes);
            keyBytes = null;
            expect = "colon";
          } else if (piece?.scalar) {
            finishPiece(piece, chunk.subarray(pieceFrom, i + 1));
          }
        }
        continue;
      }
      if (piece?.scalar) {
        // A number, true, false or null ends at the first byte that cannot be in it.
        if (
          !(WHITESPACE.has(byte) || byte === COMMA || byte === CLOSE_ARRAY || byte === CLOSE_OBJECT)
        ) {
          continue;
        }
        finishPiece(piece, chunk.subarray(pieceFrom, i));
      }
      if (WHITESPACE.has(byte)) continue;

      if (piece) {
        // Inside a piece: only balance brackets and strings.
        const top = stack[stack.length - 1];
        if (byte === QUOTE) inString = true;
        else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) stack.push(byte);
        else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
          if ((byte === CLOSE_ARRAY) !== (top === OPEN_ARRAY)) throw new NotJson(offset);
          stack.pop();
          if (stack.length === piece.depth) finishPiece(piece, chunk.subarray(pieceFrom, i + 1));
        }
        continue;
      }

      if (stack.length === 0) {
        // A byte-order mark before the document (some Windows tools write one).
        if (offset < 3 && byte === [0xef, 0xbb, 0xbf][offset]) continue;
        if (sawValue) throw new NotJson(offset);
        sawValue = true;
        if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
          stack.push(byte);
          expect = byte === OPEN_ARRAY ? "value" : "key";
          continue;
        }
        // A lone string, number, true, false or null is one piece.
        if (byte !== QUOTE && !SCALAR_START.test(String.fromCharCode(byte))) {
          throw new NotJson(offset);
        }
        startPiece(true);
        pieceFrom = i;
        if (byte === QUOTE) inString = true;
        continue;
      }

      // The structural level: the top-level array or object, or a member array.
      const inObject = stack[stack.length - 1] === OPEN_OBJECT;
      if (byte === (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        const empty = inObject
          ? memberCount === 0 && expect === "key"
          : elementIndex === 0 && expect === "value";
        if (expect !== "comma" && !empty) throw new NotJson(offset);
        stack.pop();
        expect = stack.length === 0 ? "end" : "comma";
        continue;
      }
      if (byte === COMMA) {
        if (expect !== "comma") throw new NotJson(offset);
        if (inObject) expect = "key";
        else {
          elementIndex += 1;
          expect = "value";
        }
        continue;
      }
      if (expect === "key") {
        if (byte !== QUOTE) throw new NotJson(offset);
        inString = true;
        keyBytes = [];
        memberCount += 1;
        continue;
      }
      if (expect === "colon") {
        if (byte !== COLON) throw new NotJson(offset);
        expect = "value";
        continue;
      }
      if (expect !== "value") throw new NotJson(offset);

      if (inObject && stack.length === 1 && byte === OPEN_ARRAY) {
        // A member array: its elements are the pieces.
        stack.push(byte);
        elementIndex = 0;
        finished.push({ key, index: null, kind: "array", size: 0 });
        continue;
      }
      const container = byte === OPEN_ARRAY || byte === OPEN_OBJECT;
      if (!container && byte !== QUOTE && !SCALAR_START.test(String.fromCharCode(byte))) {
        throw new NotJson(offset);
      }
      startPiece(!container);
      pieceFrom = i;
      if (container) stack.push(byte);
      else if (byte === QUOTE) inString = true;
    }

    // The part of an unfinished piece in this chunk, kept while the piece is within its limit.
    const open = piece as OpenPiece | null;
    if (open) {
      open.size += chunk.length - pieceFrom;
      if (open.parts) {
        // Copied: the reader may reuse the chunk's memory.
        open.parts.push(Uint8Array.prototype.slice.call(chunk, pieceFrom));
        if (open.size > open.limit) open.parts = null;
      }
    }
    yield* finished.splice(0);
  }
  const open = piece as OpenPiece | null;
  if (open?.scalar && stack.length === 0 && !inString) {
    finishPiece(open, new Uint8Array(0));
    yield* finished.splice(0);
  } else if (open || inString || stack.length > 0 || !sawValue) {
    throw new NotJson(offset);
  }
}

/** The index of the quote that ends the string read from `from`, or -1 if it goes on. */
function stringEnd(chunk: Uint8Array, from: number, escaped: boolean): number {
  let search = from;
  let carried = escaped;
  for (;;) {
    const quote = chunk.indexOf(QUOTE, search);
    if (quote === -1) return -1;
    if (!endsEscaped(chunk, quote, carried, search)) return quote;
    search = quote + 1;
    carried = false;
  }
}

/**
 * Whether the byte at `at` is escaped: an odd run of backslashes before it, counting back to
 * `from`, where `escaped` says whether `from` itself was.
 */
function endsEscaped(chunk: Uint8Array, at: number, escaped: boolean, from: number): boolean {
  let backslashes = 0;
  while (at - backslashes - 1 >= from && chunk[at - backslashes - 1] === BACKSLASH) backslashes++;
  if (at - backslashes === from && escaped) backslashes++;
  return backslashes % 2 === 1;
}

function memberName(bytes: number[]): string {
  try {
    return JSON.parse(`"${Buffer.from(bytes).toString("utf8")}"`) as string;
  } catch {
    // Cut inside an escape, or not a valid string: the name matters only when it is known.
    return Buffer.from(bytes).toString("utf8");
  }
}

/** The largest piece (one conversation, one file) read as a whole. */
export const PIECE_MAX_BYTES = 64 * 1024 * 1024;
/** The largest top-level value kept while finding out what a document is (a title, options). */
const SMALL_VALUE_BYTES = 1024 * 1024;

/** What a document is at the top: an array, or an object with its small members read. */
export type DocumentShape =
  | { kind: "array"; length: number; first: unknown }
  | {
      kind: "object";
      /** Members that are neither arrays nor large, parsed. */
      values: Record<string, unknown>;
      /** Members that are arrays: their length and first element (parsed). */
      arrays: Record<string, { length: number; first: unknown }>;
      /** Members too large to keep while looking (an object holding a whole conversation). */
      large: string[];
    }
  | { kind: "other" };

/** One element of an array read piece by piece: its value, or why it could not be read. */
export type Element = { index: number; value: unknown } | { index: number; problem: string };

/** A JSON document read piece by piece. */
export interface JsonDocument {
  /** What the file is called, for messages about it. */
  name: string;
  shape: DocumentShape;
  /** The elements of the top-level array (key null) or of a member array, in order. */
  elements(key: string | null): AsyncGenerator<Element>;
  /** The value of one top-level member, however large (up to PIECE_MAX_BYTES). */
  member(key: string): Promise<unknown>;
}

/** Reads a document's shape (NotJson if it is not JSON). */
export async function readJson(name: string, bytes: DocumentBytes): Promise<JsonDocument> {
  const shape = await readShape(bytes);
  return {
    name,
    shape,
    async *elements(key) {
      let inside = false;
      for await (const piece of jsonPieces(bytes, (pieceKey, index) =>
        pieceKey === key && index !== null ? PIECE_MAX_BYTES : 0,
      )) {
        if (piece.key !== key || piece.index === null) {
          if (inside) return;
          continue;
        }
        inside = true;
        yield elementOf(piece);
      }
    },
    async member(key) {
      for await (const piece of jsonPieces(bytes, (pieceKey, index) =>
        pieceKey === key && index === null ? PIECE_MAX_BYTES : 0,
      )) {
        if (piece.key === key && piece.index === null && piece.kind === "value") {
          return piece.text === undefined ? undefined : parsedOrUndefined(piece.text);
        }
      }
      return undefined;
    },
  };
}

async function readShape(bytes: DocumentBytes): Promise<DocumentShape> {
  let kind: "array" | "object" | "other" | undefined;
  let length = 0;
  let first: unknown;
  const values: Record<string, unknown> = {};
  const arrays: Record<string, { length: number; first: unknown }> = {};
  const large: string[] = [];
  const wanted: Wanted = (key, index) =>
    index === 0 ? PIECE_MAX_BYTES : index === null && key !== null ? SMALL_VALUE_BYTES : 0;
  for await (const piece of jsonPieces(bytes, wanted)) {
    if (piece.key === null) {
      if (piece.index === null) kind = "other";
      else {
        kind = "array";
        length += 1;
        if (piece.index === 0 && piece.text !== undefined) first = parsedOrUndefined(piece.text);
      }
      continue;
    }
    kind = "object";
    if (piece.kind === "array") {
      arrays[piece.key] = { length: 0, first: undefined };
    } else if (piece.index !== null) {
      const array = arrays[piece.key];
      if (array) {
        array.length += 1;
        if (piece.index === 0 && piece.text !== undefined) {
          array.first = parsedOrUndefined(piece.text);
        }
      }
    } else if (piece.text !== undefined) {
      const value = parse(piece.text);
      // The structure was sound but this value is not (e.g. `tru`): the file is not JSON.
      if (value === NOT_PARSED) throw new NotJson(0);
      values[piece.key] = value;
    } else {
      large.push(piece.key);
    }
  }
  if (kind === "array") return { kind, length, first };
  if (kind === "object" || kind === undefined) {
    // An empty array reads as nothing at all: tell it from an empty object by its first byte.
    if (kind === undefined && (await firstByte(bytes)) === OPEN_ARRAY) {
      return { kind: "array", length: 0, first: undefined };
    }
    return { kind: "object", values, arrays, large };
  }
  return { kind: "other" };
}

async function firstByte(bytes: DocumentBytes): Promise<number | undefined> {
  for await (const chunk of bytes.open()) {
    for (const byte of chunk) if (!WHITESPACE.has(byte) && byte < 0x80) return byte;
  }
  return undefined;
}

function elementOf(piece: JsonPiece): Element {
  const index = piece.index ?? 0;
  if (piece.text === undefined) {
    return {
      index,
      problem: `it is too large to import (over ${PIECE_MAX_BYTES / 1024 / 1024} MB)`,
    };
  }
  const value = parse(piece.text);
  return value === NOT_PARSED
    ? { index, problem: "this part of the file is damaged" }
    : { index, value };
}

const NOT_PARSED = Symbol("not parsed");

function parsedOrUndefined(text: string): unknown {
  const value = parse(text);
  return value === NOT_PARSED ? undefined : value;
}

/** The piece's value; NOT_PARSED when its inside is not valid JSON. */
function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_PARSED;
  }
}

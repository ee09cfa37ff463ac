import fc from "fast-check";
import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { serializePlain, wireTransformer } from "../src/transformer.ts";

/** Keys as superjson has to escape them in paths, among ordinary ones. */
const key = fc.oneof(
  fc.constantFrom("id", "createdAt", "a.b", "a\\b", "a\\.b", ".", "\\", "", "0", "messages"),
  fc.string({ maxLength: 6 }),
);
const date = fc.date({ noInvalidDate: true });
/** Values the fast path takes: plain objects, arrays, JSON primitives and Dates. */
const plain = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    date,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  ),
}));

describe("the wire's superjson encoding of plain values", () => {
  it("gives exactly superjson's output for plain objects, arrays, primitives and Dates", () => {
    fc.assert(
      fc.property(fc.dictionary(key, plain.value, { maxKeys: 6 }), (value) => {
        expect(serializePlain(value)).toStrictEqual(superjson.serialize(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it("round-trips a conversation's shape with its Dates", () => {
    const at = new Date("2026-12-07T05:00:00.123Z");
    const value = {
      id: "c1",
      createdAt: at,
      messages: [
        { id: "m1", "a.b": { when: new Date(at.getTime() + 1) }, usage: null, files: [] },
        { id: "m2", createdAt: new Date(at.getTime() + 2), toolRounds: [[{ ok: true }]] },
      ],
    };
    const encoded = serializePlain(value);
    expect(encoded).toEqual({
      json: {
        id: "c1",
        createdAt: "2026-12-07T05:00:00.123Z",
        messages: [
          { id: "m1", "a.b": { when: "2026-12-07T05:00:00.124Z" }, usage: null, files: [] },
          { id: "m2", createdAt: "2026-12-07T05:00:00.125Z", toolRounds: [[{ ok: true }]] },
        ],
      },
      meta: {
        values: {
          createdAt: ["Date"],
          "messages.0.a\\.b.when": ["Date"],
          "messages.1.createdAt": ["Date"],
        },
        v: 1,
      },
    });
    expect(wireTransformer.deserialize(JSON.parse(JSON.stringify(encoded)))).toEqual(value);
  });

  it("leaves to superjson what carries more than a Date's annotation", () => {
    const shared = { same: true };
    class Point {
      x = 1;
    }
    const others: Record<string, unknown> = {
      undefined: { a: undefined },
      NaN: { a: Number.NaN },
      infinity: [Number.POSITIVE_INFINITY],
      "minus zero": { a: -0 },
      bigint: { a: 1n },
      map: { a: new Map([["k", 1]]) },
      set: new Set([1]),
      "class instance": { a: new Point() },
      "invalid date": { a: new Date(Number.NaN) },
      "date at the root": new Date(0),
      "an object twice": { a: shared, b: shared },
      "a hole": { a: Array(3) },
      "undefined in an array": [1, undefined],
    };
    for (const [name, value] of Object.entries(others)) {
      expect(serializePlain(value), name).toBeNull();
      // …and the transformer still sends what superjson sends.
      if (name !== "invalid date") {
        expect(wireTransformer.serialize(value), name).toStrictEqual(superjson.serialize(value));
      }
    }
  });
});

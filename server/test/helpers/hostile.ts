// Inputs for property-based tests: values shaped by a procedure's JSON Schema (what the panel
// shows, from Zod's z.toJSONSchema), with hostile values mixed in at every level, and the checks
// every answer must pass whatever it was sent.

import type { JsonSchema } from "@parley/shared";
import fc from "fast-check";
import { expect } from "vitest";

/** Fixed, so CI runs the same cases every time; FC_SEED tries others locally. */
export const SEED = Number(process.env.FC_SEED ?? 20_261_201);

/** Strings no database or HTTP parser should choke on, and that must never cause a 5xx. */
export const HOSTILE_STRINGS = [
  "\u0000",
  "before\u0000after",
  "\uD800",
  "lone low \uDC00 surrogate",
  "reversed \uDC00\uD800 pair",
  "x".repeat(200_000),
  "%00%ZZ%",
  '\'; DROP TABLE "User"; --',
  "\\u0000",
  "𝕏 ünïcödé ☃ \u202e",
  "",
  " ",
  "__proto__",
  "constructor",
] as const;

/** Objects with keys that pollute prototypes if merged carelessly (own keys, as JSON.parse makes). */
const POLLUTING_OBJECTS = [
  JSON.parse('{"__proto__":{"polluted":true}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
  JSON.parse('{"__proto__":null,"toString":"x","hasOwnProperty":1}'),
] as unknown[];

/** An array or object nested `depth` levels deep (reported by its depth, not printed whole). */
export function nested(depth: number, kind: "array" | "object"): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = kind === "array" ? [value] : { a: value };
  Object.defineProperty(value, fc.toStringMethod, { value: () => `nested(${depth}, ${kind})` });
  return value;
}

/** Any hostile value: bad strings, wrong types, deep nesting, prototype keys. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_VALUE,
    [],
    {},
    [null],
    ["a", 1, {}],
  ),
  fc.constantFrom(...POLLUTING_OBJECTS),
  fc
    .tuple(
      fc.integer({ min: 50, max: 1_000 }),
      fc.constantFrom("array" as const, "object" as const),
    )
    .map(([depth, kind]) => nested(depth, kind)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** How often a node is replaced by a hostile value (the rest follow the schema). */
const HOSTILE_WEIGHT = 1;
const VALID_WEIGHT = 3;

/** The strings that must be refused at the schema, before any database sees them. */
export const UNSTORABLE_STRINGS = ["before\u0000after", "\uD800", "x".repeat(200_000)] as const;

/**
 * Values for `schema`, each node sometimes replaced by a hostile one (with `hostility`). `known`
 * strings (ids of real conversations, messages, shares…) are mixed into every string, so calls
 * get past "not found" into the code behind it.
 */
export function inputFor(
  schema: JsonSchema,
  known: readonly string[],
  hostility = true,
): fc.Arbitrary<unknown> {
  const node = (s: JsonSchema): fc.Arbitrary<unknown> =>
    hostility
      ? fc.oneof(
          { arbitrary: shaped(s), weight: VALID_WEIGHT },
          { arbitrary: hostile, weight: HOSTILE_WEIGHT },
        )
      : shaped(s);

  const shaped = (s: JsonSchema): fc.Arbitrary<unknown> => {
    if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) {
      const options = (s.anyOf ?? s.oneOf) as JsonSchema[];
      return fc.oneof(...options.map(shaped));
    }
    if (Array.isArray(s.allOf)) return shaped((s.allOf as JsonSchema[])[0] ?? {});
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    if ("const" in s) return fc.constant(s.const);
    switch (s.type) {
      case "object":
        return object(s);
      case "array": {
        const max = Math.min(Number(s.maxItems ?? 4), 4);
        return fc.array(node((s.items as JsonSchema) ?? {}), { maxLength: max });
      }
      case "string":
        return string(s);
      case "integer":
        return fc.integer({
          min: numberOr(s.minimum, numberOr(s.exclusiveMinimum, -1_000) + 1),
          max: numberOr(s.maximum, 1_000_000),
        });
      case "number":
        return fc.double({
          min: numberOr(s.minimum, -1e6),
          max: numberOr(s.maximum, 1e6),
          noNaN: true,
        });
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  };

  const string = (s: JsonSchema): fc.Arbitrary<string> => {
    const generated =
      typeof s.pattern === "string"
        ? fc.stringMatching(new RegExp(s.pattern))
        : fc.string({
            unit: "grapheme",
            minLength: Number(s.minLength ?? 0),
            maxLength: Math.min(Number(s.maxLength ?? 40), 40),
          });
    const options = [
      { arbitrary: generated, weight: 3 },
      { arbitrary: fc.emailAddress(), weight: 1 },
      ...(known.length > 0 ? [{ arbitrary: fc.constantFrom(...known), weight: 2 }] : []),
    ];
    if (hostility) {
      // Any code point, lone surrogates and NUL included; and real ids with a bad character in.
      options.push({ arbitrary: fc.string({ unit: "binary", maxLength: 20 }), weight: 1 });
      if (known.length > 0) {
        options.push({
          arbitrary: fc
            .tuple(fc.constantFrom(...known), fc.constantFrom("\u0000", "\uDFFF"))
            .map(([id, bad]) => `${id}${bad}`),
          weight: 1,
        });
      }
    }
    return fc.oneof(...options);
  };

  const object = (s: JsonSchema): fc.Arbitrary<unknown> => {
    const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
    const required = (s.required ?? []) as string[];
    const shape = Object.fromEntries(
      Object.entries(properties).map(([key, value]) => [key, node(value)]),
    );
    const fixed = fc.record(shape, { requiredKeys: required.filter((key) => key in shape) });
    const extra =
      typeof s.additionalProperties === "object"
        ? fc.dictionary(
            string((s.propertyNames as JsonSchema | undefined) ?? {}),
            node(s.additionalProperties as JsonSchema),
            { maxKeys: 3 },
          )
        : fc.constant({});
    if (!hostility) return fc.tuple(fixed, extra).map(([a, b]) => ({ ...b, ...a }));
    // Now and then a key the schema does not know, or one that pollutes prototypes.
    const stray = fc.oneof(
      { arbitrary: fc.constant({}), weight: 6 },
      { arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), hostile, { maxKeys: 2 }), weight: 1 },
      { arbitrary: fc.constantFrom(...POLLUTING_OBJECTS), weight: 1 },
    );
    return fc
      .tuple(fixed, extra, stray)
      .map(([a, b, c]) => Object.assign(JSON.parse(JSON.stringify(c ?? {})), b, a));
  };

  return node(schema);
}

/**
 * For each string field of an object schema (nested objects included), a valid input with that
 * one field set to each of UNSTORABLE_STRINGS: every field meets every bad string, whatever the
 * random runs draw.
 */
export function unstorableVariants(schema: JsonSchema, known: readonly string[]): unknown[] {
  const [base] = fc.sample(inputFor(schema, known, false), { seed: SEED, numRuns: 1 });
  const variants: unknown[] = [];
  const visit = (s: JsonSchema, path: string[]) => {
    const options = [s, ...((s.anyOf ?? s.oneOf ?? []) as JsonSchema[])];
    if (options.some((option) => option.type === "string")) {
      for (const bad of UNSTORABLE_STRINGS) variants.push(withValue(base, path, bad));
    }
    for (const [key, property] of Object.entries(
      (s.properties ?? {}) as Record<string, JsonSchema>,
    ))
      visit(property, [...path, key]);
    if (typeof s.additionalProperties === "object") {
      // A record: a bad key, and a bad value under a plain key.
      for (const bad of UNSTORABLE_STRINGS.slice(0, 2)) {
        variants.push(withValue(base, path, { [bad]: {} }));
      }
    }
  };
  if (schema.type === "object") visit(schema, []);
  return variants;
}

/** `base` (an object) with the value at `path` replaced. */
function withValue(base: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [key = "", ...rest] = path;
  const object = typeof base === "object" && base !== null ? (base as Record<string, unknown>) : {};
  return { ...object, [key]: withValue(object[key], rest, value) };
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" ? value : fallback;
}

/** Text that gives away internals: a stack frame, a file path, a database's own wording. */
const INTERNALS = [
  /\bat .+\(?(file:\/\/|\/)[^\s)]+:\d+:\d+\)?/,
  /node_modules/,
  /\.(ts|js|mjs):\d+/,
  /Prisma|DriverAdapterError|PGlite|pglite/,
  /invalid byte sequence|violates .* constraint|duplicate key value|relation ".*" does not exist/,
  /syntax error at or near|SQLSTATE|column ".*" of relation|ECONNREFUSED/,
];

/** What a response must never be: a 5xx, a stack, a database's message. */
export function expectNoInternals(what: string, status: number, body: string) {
  expect(status, `${what} did not answer in time`).toBeGreaterThan(0);
  expect(status, `${what} answered ${status}: ${body.slice(0, 500)}`).toBeLessThan(500);
  // tRPC puts the status in an error's data, also inside a stream (serialized-error events).
  expect(body, `${what} sent a 5xx error: ${body.slice(0, 500)}`).not.toMatch(/"httpStatus":5\d\d/);
  expect(body, `${what} sent a stack trace`).not.toMatch(/"stack":/);
  for (const pattern of INTERNALS) {
    expect(body, `${what} gave away internals (${pattern})`).not.toMatch(pattern);
  }
}

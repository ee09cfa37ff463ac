// The panel's form and validator against the JSON Schemas Zod makes of Parley's own inputs:
// the validator says yes exactly when Zod does (for what JSON Schema can express), values start
// valid or name what is missing, and Dates go over the wire as Dates.

import {
  ConversationsListInput,
  CreateTokenInput,
  GenerationIdInput,
  GenerationStreamInput,
  type JsonSchema,
  ModelsListInput,
  SettingsUpdateInput,
  SignUpInput,
  UNREPRESENTABLE,
  UpdateConversationInput,
} from "@parley/shared";
import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { curlCommand, typeScriptSnippet } from "../src/features/panel/copyAs.ts";
import {
  asNode,
  initialValue,
  shapeOf,
  toWire,
  validate,
  variantIndex,
} from "../src/features/panel/schema.ts";

interface ZodLike {
  safeParse(value: unknown): { success: boolean };
  toJSONSchema(params: { io: "input"; unrepresentable: "any" }): unknown;
}

const jsonSchemaOf = (schema: ZodLike) =>
  asNode(schema.toJSONSchema({ io: "input", unrepresentable: "any" }) as JsonSchema);

const CASES: [string, ZodLike, unknown[]][] = [
  [
    "ConversationsListInput",
    ConversationsListInput,
    [
      {},
      { limit: 10 },
      { limit: 0 },
      { limit: 1.5 },
      { limit: 101 },
      { search: "rivers", direction: "forward" },
      { direction: "sideways" },
      { cursor: "x".repeat(501) },
      { unknown: true },
      { limit: "10" },
      [],
      null,
    ],
  ],
  [
    "UpdateConversationInput",
    UpdateConversationInput,
    [{ id: "c1" }, { id: "" }, {}, { id: "c1", title: "t".repeat(201) }, { id: "c1", model: 3 }],
  ],
  [
    "GenerationStreamInput",
    GenerationStreamInput,
    [
      { generationId: "g" },
      { generationId: "g", lastEventId: null },
      { generationId: "g", lastEventId: "g:3" },
      { generationId: "g", lastEventId: 3 },
      // "generationId or messageId" is a refinement JSON Schema cannot say: not sampled.
      { messageId: "m1", lastEventId: "g:3" },
      { messageId: 7 },
    ],
  ],
  [
    "SettingsUpdateInput",
    SettingsUpdateInput,
    [
      {},
      { theme: "dark" },
      { theme: "blue" },
      { defaultModel: null },
      { modelParameters: { llama: { temperature: 0.5 } } },
      { modelParameters: { llama: { temperature: 3 } } },
      { modelParameters: { "": { temperature: 1 } } },
      { modelParameters: { llama: { maxOutputTokens: 0 } } },
      { modelParameters: { llama: { reasoningEffort: "high", extra: 1 } } },
      { wrapCode: "yes" },
    ],
  ],
  [
    "CreateTokenInput",
    CreateTokenInput,
    [
      { name: "n" },
      { name: "" },
      { name: "n", expiresInDays: 0 },
      { name: "n", expiresInDays: 30 },
    ],
  ],
  [
    "SignUpInput",
    SignUpInput,
    [
      { email: "a@example.com", password: "long enough" },
      // (A malformed email passes: the email check sits after a transform, in a pipe, which
      // JSON Schema cannot express; the server's Zod issues report it.)
      { password: "long enough" },
      { email: "a@example.com", password: "short" },
    ],
  ],
];

describe("the panel's validator", () => {
  for (const [name, schema, samples] of CASES) {
    it(`agrees with Zod on ${name}`, () => {
      const json = jsonSchemaOf(schema);
      const verdicts = samples.map((sample) => ({
        sample,
        panel: validate(sample, json, json).length === 0,
      }));
      expect(verdicts).toEqual(
        samples.map((sample) => ({ sample, panel: schema.safeParse(sample).success })),
      );
    });
  }

  it("says where a problem is", () => {
    const json = jsonSchemaOf(SettingsUpdateInput);
    expect(
      validate({ theme: "blue", modelParameters: { llama: { temperature: 3 } } }, json, json),
    ).toEqual([
      { path: ["theme"], message: 'Expected one of "system", "light", "dark"' },
      { path: ["modelParameters", "llama", "temperature"], message: "At most 2" },
    ]);
    const token = jsonSchemaOf(CreateTokenInput);
    expect(validate({}, token, token)).toEqual([{ path: ["name"], message: "Required" }]);
  });
});

describe("the panel's form model", () => {
  it("starts from the required fields and the defaults", () => {
    const stop = jsonSchemaOf(GenerationIdInput);
    expect(initialValue(stop, stop)).toEqual({ generationId: "" });
    const list = jsonSchemaOf(ModelsListInput);
    expect(initialValue(list, list)).toEqual({});
    expect(shapeOf(list, list)).toMatchObject({ kind: "object" });
  });

  it("sees nullable fields, enums and records for what they are", () => {
    const settings = jsonSchemaOf(SettingsUpdateInput);
    const properties = settings.properties ?? {};
    const defaultModel = properties.defaultModel ?? {};
    expect(shapeOf(defaultModel, settings)).toMatchObject({ kind: "union" });
    const variants = (shapeOf(defaultModel, settings) as { variants: object[] }).variants;
    expect(variants.map((v) => shapeOf(v, settings).kind)).toEqual(["string", "null"]);
    expect(variantIndex(variants, null, settings)).toBe(1);
    expect(variantIndex(variants, "gpt", settings)).toBe(0);
    expect(shapeOf(properties.theme ?? {}, settings)).toEqual({
      kind: "enum",
      options: ["system", "light", "dark"],
    });
    expect(shapeOf(properties.modelParameters ?? {}, settings)).toMatchObject({ kind: "record" });
  });

  it("sends Dates where the schema marks them, as superjson Dates", () => {
    const schema = asNode({
      type: "object",
      properties: {
        since: { type: "string", format: "date-time", [UNREPRESENTABLE]: "Date" },
        label: { type: "string" },
      },
    });
    const wire = toWire({ since: "2026-01-02T03:04:05.000Z", label: "x" }, schema, schema);
    expect(wire).toEqual({ since: new Date("2026-01-02T03:04:05.000Z"), label: "x" });
    expect(superjson.serialize(wire).meta?.values).toEqual({ since: ["Date"] });
  });
});

describe("copy as", () => {
  it("writes a query as a GET with superjson's envelope in ?input=", () => {
    const command = curlCommand({
      origin: "http://localhost:3000",
      kind: "query",
      path: "conversations.list",
      input: { search: "it's" },
      token: null,
    });
    expect(command).toBe(
      `curl -sS -H "Authorization: Bearer $PARLEY_TOKEN" 'http://localhost:3000/trpc/conversations.list?input=${encodeURIComponent('{"json":{"search":"it\'s"}}').replaceAll("'", "'\\''")}'`,
    );
  });

  it("writes a mutation as a POST of JSON, quoted for the shell", () => {
    expect(
      curlCommand({
        origin: "http://localhost:3000",
        kind: "mutation",
        path: "conversations.update",
        input: { id: "c1", title: "Bob's" },
        token: "parley_secret",
      }),
    ).toBe(
      `curl -sS -X POST -H 'Authorization: Bearer parley_secret' -H 'Content-Type: application/json' --data-raw '{"json":{"id":"c1","title":"Bob'\\''s"}}' 'http://localhost:3000/trpc/conversations.update'`,
    );
  });

  it("writes a script using the typed client", () => {
    expect(
      typeScriptSnippet({
        origin: "http://localhost:3000",
        kind: "mutation",
        path: "conversations.create",
        input: { model: "parley-demo" },
      }),
    ).toBe(
      [
        'import { createParleyClient } from "@parley/server/client";',
        "",
        "const client = createParleyClient({",
        '  url: "http://localhost:3000",',
        '  token: process.env.PARLEY_TOKEN ?? "",',
        "});",
        "",
        "const result = await client.conversations.create.mutate({",
        '  "model": "parley-demo"',
        "});",
        "console.dir(result, { depth: null });",
      ].join("\n"),
    );
  });
});

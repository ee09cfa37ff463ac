// The API panel's description of the router (issue 7, acceptance 4): it covers every procedure
// the router has, with kinds, descriptions and JSON Schemas, and in production it is for admins.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { UNREPRESENTABLE } from "@parley/shared";
import { TRPCClientError } from "@trpc/client";
import type { AnyProcedure } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { curlCommand } from "../../web/src/features/panel/copyAs.ts";
import { toJsonSchema } from "../src/trpc/describe.ts";
import { appRouter } from "../src/trpc/router.ts";
import { CookieJar, createClient, startTestServer, type TestServer } from "./helpers/server.ts";

const password = "panel password 1";

/** A configured provider (never called here): the server is not in demo mode. */
const PROVIDER = {
  MODELS: JSON.stringify([{ id: "real-model", baseURL: "http://127.0.0.1:9/v1" }]),
};

async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof TRPCClientError) return error.data?.code as string;
    throw error;
  }
}

describe("panel.procedures describes the router", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it("lists every procedure of the router, with the router's own kind, once", async () => {
    const described = await server.client.panel.procedures.query();
    // The router's own list, read independently of the panel's code: at run time tRPC keeps
    // every procedure flat by dotted path (its type says nested).
    const procedures = appRouter._def.procedures as unknown as Record<string, AnyProcedure>;
    const expected = Object.entries(procedures)
      .map(([path, procedure]) => ({ path, kind: procedure._def.type }))
      .sort((a, b) => a.path.localeCompare(b.path));
    expect(described.map(({ path, kind }) => ({ path, kind }))).toEqual(expected);
    expect(expected.length).toBeGreaterThan(20);
  });

  it("gives each procedure its description from .meta()", async () => {
    const described = await server.client.panel.procedures.query();
    const missing = described.filter((p) => !p.description?.trim()).map((p) => p.path);
    expect(missing).toEqual([]);
    expect(described.find((p) => p.path === "models.list")?.description).toBe(
      "The configured models, their capabilities and default parameters.",
    );
  });

  it("describes known procedures: kinds, input and output schemas", async () => {
    const described = await server.client.panel.procedures.query();
    const byPath = new Map(described.map((p) => [p.path, p]));

    expect(byPath.get("generations.stream")).toMatchObject({
      kind: "subscription",
      inputOptional: false,
      input: {
        type: "object",
        properties: { generationId: { type: "string" }, messageId: { type: "string" } },
      },
      output: null,
    });
    expect(byPath.get("models.list")).toMatchObject({
      kind: "query",
      inputOptional: true,
      input: {
        type: "object",
        properties: { capability: { enum: ["vision", "reasoning", "tools"] } },
      },
      output: {
        type: "object",
        properties: { models: { type: "array" }, defaultModel: { type: "string" } },
      },
    });
    const create = byPath.get("conversations.create");
    expect(create?.kind).toBe("mutation");
    expect(create?.inputOptional).toBe(true);
    expect(create?.input).toMatchObject({
      type: "object",
      properties: {
        model: { type: "string", minLength: 1 },
        systemPrompt: { type: "string" },
      },
      additionalProperties: false,
    });
    expect(create?.output).toMatchObject({
      properties: { conversationId: { type: "string" } },
      required: ["conversationId"],
    });
    // A mode with a default is an enum the form can preselect.
    expect(byPath.get("messages.send")?.input).toMatchObject({
      properties: { mode: { enum: ["new", "retry", "edit", "continue"], default: "new" } },
    });
    expect(byPath.get("auth.signOut")).toMatchObject({
      kind: "mutation",
      input: null,
      inputOptional: true,
    });
  });

  it("marks Dates in outputs instead of failing on them", async () => {
    const described = await server.client.panel.procedures.query();
    const get = described.find((p) => p.path === "conversations.get");
    expect(get?.output).toMatchObject({
      properties: {
        createdAt: { type: "string", format: "date-time", [UNREPRESENTABLE]: "Date" },
      },
    });
  });

  it("turns what JSON Schema cannot express into a marked, commented schema", () => {
    const schema = z.object({
      when: z.date(),
      size: z.string().transform((text) => text.length),
      id: z.string(),
    });
    const input = toJsonSchema(schema, "input");
    expect(input).toMatchObject({
      properties: {
        when: { type: "string", format: "date-time", [UNREPRESENTABLE]: "Date" },
        // Its input side is a plain string.
        size: { type: "string" },
        id: { type: "string" },
      },
    });
    const output = toJsonSchema(schema, "output");
    expect(output).toMatchObject({
      properties: {
        size: { [UNREPRESENTABLE]: "transform", $comment: expect.stringContaining("Any value") },
        id: { type: "string" },
      },
    });
  });
});

describe("who may read the description", () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  async function start(env: Record<string, string>) {
    const server = await startTestServer({ env });
    servers.push(server);
    return server;
  }

  it("refuses everyone but admins in production with a configured provider", async () => {
    const server = await start({
      NODE_ENV: "production",
      ADMIN_EMAILS: "admin@example.com",
      ...PROVIDER,
    });
    expect((await server.client.models.list.query()).demo).toBe(false);

    const anonymous = createClient(server.url);
    expect(await codeOf(anonymous.panel.procedures.query())).toBe("FORBIDDEN");

    const guest = createClient(server.url, { jar: new CookieJar() });
    await guest.settings.get.query();
    expect(await codeOf(guest.panel.procedures.query())).toBe("FORBIDDEN");

    const user = createClient(server.url, { jar: new CookieJar() });
    await user.auth.signUp.mutate({ email: "someone@example.com", password });
    expect(await codeOf(user.panel.procedures.query())).toBe("FORBIDDEN");
    // The same person with an API token is refused too.
    const { secret } = await user.tokens.create.mutate({ name: "script" });
    expect(await codeOf(createClient(server.url, { token: secret }).panel.procedures.query())).toBe(
      "FORBIDDEN",
    );

    const admin = createClient(server.url, { jar: new CookieJar() });
    await admin.auth.signUp.mutate({ email: "admin@example.com", password });
    const described = await admin.panel.procedures.query();
    expect(described.map((p) => p.path)).toContain("panel.procedures");
    const adminToken = await admin.tokens.create.mutate({ name: "admin script" });
    expect(
      await codeOf(createClient(server.url, { token: adminToken.secret }).panel.procedures.query()),
    ).toBe("ok");
  }, 40_000);

  it("is open to anyone with PANEL=open", async () => {
    const server = await start({ NODE_ENV: "production", PANEL: "open", ...PROVIDER });
    expect(await codeOf(createClient(server.url).panel.procedures.query())).toBe("ok");
  });

  it("is open to anyone in demo mode, even in production", async () => {
    const server = await start({ NODE_ENV: "production" });
    expect((await server.client.models.list.query()).demo).toBe(true);
    expect(await codeOf(createClient(server.url).panel.procedures.query())).toBe("ok");
  });
});

describe("the panel's curl commands, run in a shell against the server", () => {
  let server: TestServer;
  let secret: string;
  const email = "curl@example.com";
  const owner = () => createClient(server.url, { token: secret });

  beforeAll(async () => {
    server = await startTestServer();
    const client = createClient(server.url, { jar: new CookieJar() });
    await client.auth.signUp.mutate({ email, password });
    secret = (await client.tokens.create.mutate({ name: "curl" })).secret;
  });
  afterAll(() => server?.close());

  /** Runs the command in sh and returns tRPC's answer (superjson's `json` half of the data). */
  async function curl(
    options: Omit<Parameters<typeof curlCommand>[0], "origin">,
    env: Record<string, string> = {},
  ) {
    const command = curlCommand({ origin: server.url, ...options });
    const { stdout } = await promisify(execFile)("sh", ["-c", command], {
      env: { ...process.env, ...env },
      timeout: 10_000,
    });
    return JSON.parse(stdout) as {
      result?: { data: { json: unknown } };
      error?: { json: { data: { code: string; httpStatus: number } } };
    };
  }

  /** The data of a successful answer (it fails the test with the error otherwise). */
  function dataOf(answer: Awaited<ReturnType<typeof curl>>): unknown {
    if (!answer.result) throw new Error(`the server refused: ${JSON.stringify(answer.error)}`);
    return answer.result.data.json;
  }

  it("runs a mutation as a POST with the token", async () => {
    const answer = await curl({
      kind: "mutation",
      path: "conversations.create",
      input: { systemPrompt: "It's from curl." },
      token: secret,
    });
    const { conversationId } = dataOf(answer) as { conversationId: string };
    const conversation = await owner().conversations.get.query({ id: conversationId });
    expect(conversation.systemPrompt).toBe("It's from curl.");
  });

  it("runs a mutation with no input", async () => {
    await owner().conversations.create.mutate({});
    const answer = await curl({
      kind: "mutation",
      path: "conversations.deleteAll",
      input: undefined,
      token: secret,
    });
    const { deleted } = dataOf(answer) as { deleted: number };
    expect(deleted).toBeGreaterThan(0);
    expect((await owner().conversations.list.query({})).items).toEqual([]);
  });

  it("runs a query with no input, the token taken from $PARLEY_TOKEN", async () => {
    const answer = await curl(
      { kind: "query", path: "auth.me", input: undefined, token: null },
      { PARLEY_TOKEN: secret },
    );
    expect(answer.result?.data.json).toMatchObject({ user: { email } });
  });

  it("gets the server's error for a call it refuses", async () => {
    const answer = await curl({
      kind: "query",
      path: "conversations.get",
      input: { id: "not-a-conversation" },
      token: secret,
    });
    expect(answer.error?.json.data).toMatchObject({ code: "NOT_FOUND", httpStatus: 404 });
  });
});

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { parseConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/client.ts";
import { MOCK_MODELS } from "../src/llm/mock/index.ts";
import { createTestDatabase, testDatabaseKinds } from "./helpers/database.ts";
import { lineCollector, startTestServer, type TestServer } from "./helpers/server.ts";

describe.each(testDatabaseKinds())("the Parley host on %s", (database) => {
  let server: TestServer;
  // A stand-in for web/dist, so these tests do not depend on a web build (e2e covers the real one).
  const webDist = mkdtempSync(join(tmpdir(), "parley-web-"));
  writeFileSync(join(webDist, "index.html"), '<!doctype html><div id="root"></div>');
  mkdirSync(join(webDist, "assets"));
  writeFileSync(join(webDist, "assets", "app.js"), "console.log('parley')");

  beforeAll(async () => {
    server = await startTestServer({ database, env: { WEB_DIST_DIR: webDist } });
  });
  afterAll(() => server.close());

  it("answers /healthz with 200 when the database answers", async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("lists the demo models through the typed client when no provider is configured", async () => {
    const list = await server.client.models.list.query();
    expect(list.demo).toBe(true);
    expect(list.defaultModel).toBe("parley-demo");
    expect(list.models.map((model) => model.id)).toEqual(MOCK_MODELS.map((model) => model.id));
  });

  it("serves models.list over plain HTTP, as curl would call it", async () => {
    const response = await fetch(`${server.url}/trpc/models.list`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { data: { json: { demo: boolean } } } };
    expect(body.result.data.json.demo).toBe(true);
  });

  it("filters models by capability", async () => {
    const list = await server.client.models.list.query({ capability: "vision" });
    expect(list.models.map((model) => model.id)).toEqual(["parley-demo-vision"]);
  });

  it("answers a malformed input with BAD_REQUEST and the Zod issue, never a 500", async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { capability: "telepathy" } }));
    const response = await fetch(`${server.url}/trpc/models.list?input=${input}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { json: { data: { code: string; zodIssues: { path: string[]; code: string }[] } } };
    };
    expect(body.error.json.data.code).toBe("BAD_REQUEST");
    expect(body.error.json.data.zodIssues).toMatchObject([
      { path: ["capability"], code: "invalid_value" },
    ]);

    const notJson = await fetch(`${server.url}/trpc/models.list?input=%7Bnope`);
    expect(notJson.status).toBe(400);
    const unknownKey = encodeURIComponent(JSON.stringify({ json: { colour: "red" } }));
    expect((await fetch(`${server.url}/trpc/models.list?input=${unknownKey}`)).status).toBe(400);
  });

  it("answers an unknown procedure with NOT_FOUND", async () => {
    const response = await fetch(`${server.url}/trpc/nothing.here`);
    expect(response.status).toBe(404);
  });

  it("serves the SPA at / and for deep links, but keeps JSON 404s for API paths", async () => {
    const home = await fetch(`${server.url}/`, { headers: { accept: "text/html" } });
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toContain("text/html");
    const html = await home.text();
    expect(html).toContain('<div id="root">');

    const deep = await fetch(`${server.url}/c/some-conversation`, {
      headers: { accept: "text/html" },
    });
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe(html);

    const asset = await fetch(`${server.url}/assets/app.js`);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect(await asset.text()).toBe("console.log('parley')");

    const api = await fetch(`${server.url}/api/nothing`, { headers: { accept: "text/html" } });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: "Not Found" });
    const missingAsset = await fetch(`${server.url}/assets/missing.js`);
    expect(missingAsset.status).toBe(404);
  });

  it("returns the request id in x-request-id", async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("the Parley host's plumbing", () => {
  it("answers /healthz with 503 when the database does not answer", async () => {
    // A PostgreSQL server that is not there: nothing listens on port 1.
    const db = await openDatabase({
      kind: "postgres",
      url: "postgresql://127.0.0.1:1/gone",
      poolSize: 1,
    });
    const app = await buildApp({ config: parseConfig({ LOG_LEVEL: "silent" }), db });
    const response = await app.inject({ method: "GET", url: "/healthz" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: "unavailable", reason: "database" });
    await app.close();
    await db.$disconnect();
  });

  it("says how to build the web app when it is not built", async () => {
    const database = await createTestDatabase("pglite");
    const config = parseConfig({ LOG_LEVEL: "silent", WEB_DIST_DIR: "/nonexistent/parley-web" });
    const app = await buildApp({ config, db: database.db });
    const response = await app.inject({ url: "/", headers: { accept: "text/html" } });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain("pnpm build");
    await app.close();
    await database.close();
  });

  it("puts the request id on every log line of a request", async () => {
    const lines: Record<string, unknown>[] = [];
    const database = await createTestDatabase("pglite");
    const app = await buildApp({
      config: parseConfig({ LOG_LEVEL: "info" }),
      db: database.db,
      logDestination: lineCollector(lines),
    });
    const response = await app.inject({ method: "GET", url: "/trpc/models.list" });
    const requestId = response.headers["x-request-id"];
    const requestLines = lines.filter((line) => "req" in line || "res" in line);
    expect(requestLines.length).toBe(2);
    for (const line of requestLines) expect(line.reqId).toBe(requestId);
    await app.close();
    await database.close();
  });

  it("closes promptly with an open event stream, ending the stream", async () => {
    const database = await createTestDatabase("pglite");
    const app = await buildApp({ config: parseConfig({ LOG_LEVEL: "silent" }), db: database.db });
    // A stream that never ends on its own, like a subscription with nothing left to send.
    app.get("/test/stream", (_request, reply) => {
      reply.raw.writeHead(200, { "content-type": "text/event-stream" });
      reply.raw.write(": open\n\n");
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    if (!address || typeof address === "string") throw new Error("no address");
    const response = await fetch(`http://127.0.0.1:${address.port}/test/stream`);
    const reader = response.body?.getReader();
    await reader?.read();

    const started = performance.now();
    await app.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect(reader?.read()).rejects.toThrow();
    await database.close();
  });
});

// Hostile input never breaks the server (issue 15, item 5): every procedure of the router (the
// list comes from the router, as the panel and the authorization matrix read it) is called as a
// guest and as a user with inputs generated from its own input schema, hostile values mixed in
// at every level; the plain HTTP routes get malformed bodies and headers. Nothing may answer
// 5xx, or show a stack trace or a database's message.

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeProcedures } from "../src/trpc/describe.ts";
import { appRouter } from "../src/trpc/router.ts";
import {
  expectNoInternals,
  HOSTILE_STRINGS,
  hostile,
  inputFor,
  SEED,
  unstorableVariants,
} from "./helpers/hostile.ts";
import { startOidcProvider, type TestOidcProvider } from "./helpers/oidc-provider.ts";
import { CookieJar, createClient, startTestServer, type TestServer } from "./helpers/server.ts";
import { type ChatServer, readStream, startChatServer } from "./helpers/session.ts";

/**
 * Random runs per procedure and role, after the examples (each string field with each
 * unstorable string): every procedure is reached, each with this many generated inputs.
 */
const RUNS = 12;
const PROCEDURES = describeProcedures(appRouter);
const ROLES = ["guest", "user"] as const;
type Role = (typeof ROLES)[number];
const password = "hostile input 1";

/** Procedures after which the caller may be someone else (signed out, signed up, adopted). */
const CHANGES_WHO_CALLS = new Set(["auth.signOut", "auth.signIn", "auth.signUp"]);

let server: ChatServer;
/** The server's log, to find what an unexpected error left there. */
const logLines: Record<string, unknown>[] = [];
/** Each role's cookies, as the session's Cookie header. */
const cookies = {} as Record<Role, string>;
/** Ids of real things (conversations, messages, shares, tokens…) to mix into generated strings. */
const known: string[] = [];
let accounts = 0;

async function establish(role: Role) {
  const jar = new CookieJar();
  const client = createClient(server.url, { jar });
  if (role === "user") {
    await client.auth.signUp.mutate({ email: `hostile${++accounts}@example.com`, password });
  } else {
    await client.settings.get.query();
  }
  cookies[role] = jar.header();
  return client;
}

/** One call over plain HTTP, the way any client could send it: the body text as given. */
function call(path: string, kind: string, input: unknown, role: Role) {
  const headers: Record<string, string> = { cookie: cookies[role] };
  const envelope = input === undefined ? undefined : JSON.stringify({ json: input });
  if (kind === "mutation") {
    headers["content-type"] = "application/json";
    return send(`${server.url}/trpc/${path}`, { method: "POST", headers, body: envelope ?? "" });
  }
  const query = envelope === undefined ? "" : `?input=${encodeURIComponent(envelope)}`;
  return send(`${server.url}/trpc/${path}${query}`, { headers });
}

/**
 * A request and what came back. A stream (a subscription) is read until its first event after
 * `connected` (data or an error), then left; anything gets five seconds to answer.
 */
async function send(url: string, init: RequestInit) {
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(), 5_000);
  let status = 0;
  let body = "";
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    status = response.status;
    if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
      body = await response.text();
    } else if (response.body) {
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      // Two blank lines: the `connected` event and the one after it.
      while ((body.match(/\n\n/g) ?? []).length < 2) {
        const { value, done } = await reader.read();
        if (done) break;
        body += decoder.decode(value, { stream: true });
      }
    }
  } catch (error) {
    // Aborted at the deadline: what arrived is checked.
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  return { status, body };
}

beforeAll(async () => {
  server = await startChatServer({ logLines });
  for (const role of ROLES) {
    const client = await establish(role);
    const { conversationId } = await client.conversations.create.mutate({});
    const sent = await client.messages.send.mutate({ conversationId, content: "hi", mode: "new" });
    await readStream(client, { generationId: sent.generationId });
    const { shareId } = await client.conversations.share.mutate({ id: conversationId });
    known.push(conversationId, sent.assistantMessageId, sent.generationId, shareId);
    if (sent.userMessageId) known.push(sent.userMessageId);
    if (role === "user") {
      known.push((await client.tokens.create.mutate({ name: "known" })).token.id);
    }
  }
}, 60_000);

afterAll(() => server?.close());

describe("every procedure, with inputs from its schema and hostile values", () => {
  it("covers every procedure of the router", () => {
    expect(PROCEDURES.map((procedure) => procedure.path)).toEqual(
      Object.keys(appRouter._def.procedures).sort(),
    );
  });

  for (const procedure of PROCEDURES) {
    for (const role of ROLES) {
      it(`${procedure.path} as a ${role} never answers 5xx or shows internals`, async () => {
        const valid = procedure.input ? inputFor(procedure.input, known) : fc.constant(undefined);
        const inputs = fc.oneof(
          { arbitrary: valid, weight: 4 },
          { arbitrary: hostile, weight: 1 },
          { arbitrary: fc.constant(undefined), weight: 1 },
        );
        // First every string field with each unstorable string, then random inputs.
        const examples = procedure.input
          ? unstorableVariants(procedure.input, known).map((input): [unknown] => [input])
          : [];
        await fc.assert(
          fc.asyncProperty(inputs, async (input) => {
            const { status, body } = await call(procedure.path, procedure.kind, input, role);
            expectNoInternals(procedure.path, status, body);
            if (CHANGES_WHO_CALLS.has(procedure.path) && status === 200) await establish(role);
          }),
          // fast-check counts the examples among the runs.
          { seed: SEED, numRuns: examples.length + RUNS, examples },
        );
      });
    }
  }
});

describe("the 500s found by hand, and what an unexpected error shows", () => {
  it("refuses a conversation id with U+0000 with 400 and says why, without the database's words", async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { id: `${known[0]}\u0000` } }));
    const response = await fetch(`${server.url}/trpc/conversations.get?input=${input}`, {
      headers: { cookie: cookies.guest },
    });
    const body = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(body).error.json.data.zodIssues).toEqual([
      {
        code: "custom",
        path: ["id"],
        message: "Contains a character that cannot be stored (NUL, or half of a surrogate pair)",
      },
    ]);
    expectNoInternals("conversations.get", response.status, body);
  });

  it("refuses a lone surrogate in a message the same way, and keeps nothing", async () => {
    const client = createClient(server.url, { jar: new CookieJar() });
    const { conversationId } = await client.conversations.create.mutate({});
    const response = await fetch(`${server.url}/trpc/messages.send`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: cookies.guest },
      body: JSON.stringify({ json: { conversationId, content: "half a pair: \uD83D" } }),
    });
    expect(response.status).toBe(400);
    expect((await client.conversations.get.query({ id: conversationId })).messages).toEqual([]);
  });

  it("answers a multipart upload cut short with 400 and a clear message", async () => {
    const response = await fetch(`${server.url}/files`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=cut", cookie: cookies.guest },
      body: '--cut\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello',
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: "Bad Request",
        message:
          "The upload is not valid multipart/form-data: send the file in a field named file.",
      },
    });
  });

  it("answers multipart with no boundary at all with 400", async () => {
    const response = await fetch(`${server.url}/files`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data", cookie: cookies.guest },
      body: "garbage",
    });
    expect(response.status).toBe(400);
  });

  /** Runs `during` with a table renamed away, so the database fails as it would in an outage. */
  async function withTableGone(table: string, during: () => Promise<void>) {
    const db = server.database.db;
    await db.$executeRawUnsafe(`ALTER TABLE "${table}" RENAME TO "${table}Gone"`);
    try {
      await during();
    } finally {
      await db.$executeRawUnsafe(`ALTER TABLE "${table}Gone" RENAME TO "${table}"`);
    }
  }

  it("shows an unexpected failure of a procedure as a generic message with the request id; the details go to the log", async () => {
    await withTableGone("Settings", async () => {
      const response = await fetch(`${server.url}/trpc/settings.get`, {
        headers: { cookie: cookies.user },
      });
      const requestId = response.headers.get("x-request-id");
      const body = await response.text();
      expect(response.status).toBe(500);
      expect(JSON.parse(body).error.json.message).toBe(
        `Something went wrong on our side (request ${requestId}). Please try again; if it keeps happening, tell the server's administrator.`,
      );
      expect(body).not.toMatch(/Settings|relation|stack/);
      const logged = logLines.find((line) => line.reqId === requestId && line.level === 50);
      expect(JSON.stringify(logged?.err)).toMatch(
        /relation .*Settings.* does not exist|table `public\.Settings` does not exist/,
      );
    });
  });

  it("shows an unexpected failure of a plain HTTP route the same way", async () => {
    await withTableGone("FileUpload", async () => {
      const response = await fetch(`${server.url}/files/${"a".repeat(64)}`, {
        headers: { cookie: cookies.user },
      });
      const requestId = response.headers.get("x-request-id");
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 500,
        body: {
          statusCode: 500,
          error: "Internal Server Error",
          message: `Something went wrong on our side (request ${requestId}). Please try again; if it keeps happening, tell the server's administrator.`,
        },
      });
      const logged = logLines.find((line) => line.reqId === requestId && line.level === 50);
      expect(JSON.stringify(logged?.err)).toMatch(/relation .*FileUpload.* does not exist/);
    });
  });
});

describe("malformed tRPC requests", () => {
  const bodies = fc.oneof(
    fc.constantFrom(
      "",
      "{",
      "null",
      "[]",
      '{"json":',
      '{"json":{"id":"x"},"meta":{"values":{"id":["Date"]}}}',
      '{"json":{"id":"x"},"meta":{"values":{"__proto__":["undefined"]}}}',
      '{"json":{"id":"x"},"meta":{"values":{"id":[["custom","nope"]]}}}',
      '{"json":{"a":{}},"meta":{"referentialEqualities":{"a":["__proto__.polluted"]}}}',
      '{"__proto__":{"polluted":true},"json":{"id":"x"}}',
      `{"json":${JSON.stringify("\u0000")}}`,
      // Nested deeper than a JSON.stringify in this process could write.
      `{"json":{"id":${"[".repeat(20_000)}${"]".repeat(20_000)}}}`,
      `{"json":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}`,
    ),
    fc.string({ maxLength: 200 }),
    fc.jsonValue().map((value) => JSON.stringify(value)),
  );
  const contentTypes = fc.constantFrom(
    "application/json",
    "application/json; charset=latin1",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
  );
  const paths = fc.oneof(
    fc.constantFrom(...PROCEDURES.map((procedure) => procedure.path)),
    fc.constantFrom(
      "conversations.get,conversations.list",
      "nope",
      "%00",
      "__proto__",
      "constructor.prototype",
      "a".repeat(4_000),
      "conversations.get,".repeat(200),
    ),
  );

  it("answers a malformed body, content type, batch or path with 4xx, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        paths,
        bodies,
        contentTypes,
        fc.boolean(),
        async (path, body, contentType, batch) => {
          const response = await send(`${server.url}/trpc/${path}${batch ? "?batch=1" : ""}`, {
            method: "POST",
            headers: { "content-type": contentType, cookie: cookies.guest },
            body,
          });
          expectNoInternals(`POST /trpc/${path.slice(0, 40)}`, response.status, response.body);
        },
      ),
      { seed: SEED, numRuns: 120 },
    );
  });

  it("answers a malformed query string with 4xx, never 5xx", async () => {
    const inputs = fc.oneof(
      fc.string({ maxLength: 100 }),
      fc.constantFrom("%", "%E0%A4%A", "%00", "{", '{"0":', "[]", '{"0":{"json":null}}'),
    );
    await fc.assert(
      fc.asyncProperty(paths, inputs, fc.boolean(), async (path, input, batch) => {
        const query = `?input=${input.replace(/[#\s]/g, "")}${batch ? "&batch=1" : ""}`;
        const response = await send(`${server.url}/trpc/${path}${query}`, {
          headers: { cookie: cookies.guest },
        });
        expectNoInternals(`GET /trpc/${path.slice(0, 40)}`, response.status, response.body);
      }),
      { seed: SEED, numRuns: 80 },
    );
  });

  it("reads a garbled cookie or authorization header as nobody, never as an error", async () => {
    const headerValues = fc.oneof(
      fc.constantFrom(
        "parley_session=",
        "parley_session=%00",
        "parley_session=x; parley_session=y",
        `parley_session=${"a".repeat(4_000)}`,
        "=;=;=",
        "Bearer",
        "Bearer ",
        "Bearer parley_",
        `Bearer parley_${"z".repeat(4_000)}`,
        "Basic Zm9vOmJhcg==",
      ),
      // Any Latin-1 text: header values cannot hold control characters (fetch refuses them).
      fc.string({
        unit: fc
          .integer({ min: 0x20, max: 0xff })
          .filter((code) => code !== 0x7f)
          .map((code) => String.fromCharCode(code)),
        maxLength: 100,
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("cookie", "authorization"),
        headerValues,
        async (name, value) => {
          const response = await fetch(`${server.url}/trpc/auth.me`, {
            headers: { [name]: value },
          });
          expectNoInternals(`auth.me with ${name}`, response.status, await response.text());
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });
});

describe("malformed requests to the plain HTTP routes", () => {
  const boundary = "parleyboundary";
  const multipartBodies = fc.oneof(
    fc.constantFrom(
      "",
      "garbage",
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"\r\n\r\nno filename\r\n--${boundary}--`,
      `--${boundary}\r\n\r\n\r\n--${boundary}--`,
      `--${boundary}\r\nContent-Disposition: form-data; name="__proto__"; filename="x"\r\n\r\nx\r\n--${boundary}--`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${"\u0000".repeat(3)}"\r\n\r\nx\r\n--${boundary}--`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${HOSTILE_STRINGS[5]}"\r\n\r\nx\r\n--${boundary}--`,
      `--${boundary}\r\nContent-Type: text/plain\r\nContent-Disposition: form-data; name="file"; filename="a\uD800.txt"\r\n\r\nplain text\r\n--${boundary}--`,
      `--${boundary}--`,
      `--${boundary}\r\n${"X-Header: y\r\n".repeat(2_000)}\r\n`,
    ),
    fc.string({ maxLength: 300 }).map((text) => `--${boundary}\r\n${text}`),
  );
  const multipartTypes = fc.constantFrom(
    `multipart/form-data; boundary=${boundary}`,
    "multipart/form-data",
    "multipart/form-data; boundary=",
    `multipart/form-data; boundary=${"b".repeat(100)}`,
    "multipart/mixed; boundary=x",
    "application/json",
    "text/plain",
  );

  it("POST /files answers malformed multipart with 4xx, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(multipartBodies, multipartTypes, async (body, contentType) => {
        const response = await fetch(`${server.url}/files`, {
          method: "POST",
          headers: { "content-type": contentType, cookie: cookies.guest },
          body,
        });
        expectNoInternals("POST /files", response.status, await response.text());
      }),
      { seed: SEED, numRuns: 80 },
    );
  });

  it("GET /files/:sha256 answers any path and query with 4xx or the file, never 5xx", async () => {
    const segments = fc.oneof(
      fc.stringMatching(/^[0-9a-f]{64}$/),
      fc.constantFrom("%00", "..%2F..%2Fetc%2Fpasswd", "%E0%A4%A", "a".repeat(3_000), "__proto__"),
      fc.string({ maxLength: 80 }).map(encodeURIComponent),
    );
    const queries = fc.oneof(
      fc.constant(""),
      fc.constantFrom("?share=%00", "?share[]=1&share[]=2", "?share[__proto__]=x", "?share=%"),
      fc.string({ maxLength: 40 }).map((text) => `?share=${encodeURIComponent(text)}`),
    );
    await fc.assert(
      fc.asyncProperty(segments, queries, async (segment, query) => {
        const response = await fetch(`${server.url}/files/${segment}${query}`, {
          headers: { cookie: cookies.guest },
        });
        expectNoInternals("GET /files", response.status, await response.text());
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});

describe("malformed requests to the OIDC routes", () => {
  let provider: TestOidcProvider;
  let oidcServer: TestServer;

  beforeAll(async () => {
    provider = await startOidcProvider({ redirectUris: ["http://127.0.0.1:1/auth/oidc/callback"] });
    oidcServer = await startTestServer({
      env: {
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: provider.clientId,
        OIDC_CLIENT_SECRET: provider.clientSecret,
      },
    });
  });

  afterAll(async () => {
    await oidcServer?.close();
    await provider?.close();
  });

  /** A sign-in started at /auth/oidc/login: its state, and the cookie binding it to the browser. */
  async function pendingSignIn() {
    const response = await fetch(`${oidcServer.url}/auth/oidc/login`, { redirect: "manual" });
    const location = new URL(response.headers.get("location") ?? "");
    const jar = new CookieJar();
    jar.store(response);
    return { state: location.searchParams.get("state") ?? "", cookie: jar.header() };
  }

  const parameters = fc.oneof(
    fc.constantFrom(
      "",
      "callback=%00",
      "callback=javascript:alert(1)",
      "callback[]=a",
      "code=x",
      "code=%00&state=%",
      "error=access_denied&error_description=%00",
      "error=server_error",
      "error=%F0%9F%92%A9",
      `code=${"c".repeat(3_000)}`,
      "iss=http://evil.example&code=1",
      "iss=&code=",
      "code=a&code=b",
      "response=eyJhbGciOiJub25lIn0.e30.",
    ),
    fc.string({ maxLength: 60 }).map((text) => encodeURIComponent(text)),
    fc
      .dictionary(
        fc.constantFrom("code", "iss", "error", "session_state"),
        fc.string({ maxLength: 20 }),
        { maxKeys: 3 },
      )
      .map((entries) => new URLSearchParams(entries).toString()),
  );
  const browserCookies = fc.constantFrom(
    "",
    "parley_oidc=",
    "parley_oidc=%00",
    `parley_oidc=${"c".repeat(3_000)}`,
  );

  it("the login route answers malformed queries and cookies with 4xx or a redirect, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        parameters,
        browserCookies,
        fc.constantFrom("text/html", "application/json"),
        async (query, cookie, accept) => {
          const response = await send(`${oidcServer.url}/auth/oidc/login?${query}`, {
            headers: { cookie, accept },
            redirect: "manual",
          });
          expectNoInternals("/auth/oidc/login", response.status, response.body);
        },
      ),
      // Few: starting a sign-in counts against the per-IP sign-in limit (50 per 15 minutes).
      { seed: SEED, numRuns: 20 },
    );
  });

  it("the callback answers forged parameters, with or without a real pending sign-in, with 4xx, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        parameters,
        fc.oneof(fc.constant("pending" as const), browserCookies),
        fc.constantFrom("text/html", "application/json"),
        async (query, cookie, accept) => {
          const headers: Record<string, string> = {
            accept,
            cookie: cookie === "pending" ? "" : cookie,
          };
          let search = query;
          if (cookie === "pending") {
            const pending = await pendingSignIn();
            headers.cookie = pending.cookie;
            search = `state=${pending.state}&${query}`;
          }
          const response = await send(`${oidcServer.url}/auth/oidc/callback?${search}`, {
            headers,
            redirect: "manual",
          });
          expectNoInternals("/auth/oidc/callback", response.status, response.body);
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });
});

// Security headers and caching (issue 15, item 6): a strict Content-Security-Policy and the
// other headers on the app and the API, HSTS only over https, immutable hashed assets and a
// revalidated index.html; /files keeps its own sandbox; event streams stay uncompressed and
// unbuffered.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar } from "./helpers/server.ts";
import { type ChatServer, startChatServer } from "./helpers/session.ts";

const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join(";");

let server: ChatServer;
let https: ChatServer;

beforeAll(async () => {
  server = await startChatServer();
  https = await startChatServer({ env: { PUBLIC_URL: "https://parley.example" } });
});
afterAll(async () => {
  await server?.close();
  await https?.close();
});

const page = (url: string) => fetch(url, { headers: { accept: "text/html" } });

/** The headers every response of the app carries. */
function securityHeaders(response: Response) {
  return {
    csp: response.headers.get("content-security-policy"),
    nosniff: response.headers.get("x-content-type-options"),
    referrer: response.headers.get("referrer-policy"),
    coop: response.headers.get("cross-origin-opener-policy"),
    frames: response.headers.get("x-frame-options"),
    hsts: response.headers.get("strict-transport-security"),
  };
}

describe("security headers", () => {
  it("serves the app with a strict policy: its own scripts only, no framing, no referrer", async () => {
    for (const path of ["/", "/c/some-conversation", "/settings"]) {
      const response = await page(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(securityHeaders(response)).toEqual({
        csp: APP_CSP,
        nosniff: "nosniff",
        referrer: "no-referrer",
        coop: "same-origin",
        frames: "DENY",
        hsts: null,
      });
    }
  });

  it("has no inline script in the page for the policy to block", async () => {
    const html = await (await page(server.url)).text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/assets\//);
      expect(body?.trim()).toBe("");
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it("sends the same headers on API answers and errors", async () => {
    const answer = await fetch(`${server.url}/trpc/auth.me`);
    const missing = await fetch(`${server.url}/trpc/no.such.procedure`);
    for (const response of [answer, missing]) {
      expect(securityHeaders(response)).toMatchObject({
        csp: APP_CSP,
        nosniff: "nosniff",
        referrer: "no-referrer",
      });
    }
  });

  it("adds HSTS and upgrades requests only when PUBLIC_URL is https", async () => {
    const headers = securityHeaders(await page(https.url));
    expect(headers.hsts).toBe("max-age=31536000");
    expect(headers.csp).toBe(`${APP_CSP};upgrade-insecure-requests`);
  });

  it("keeps the sandbox of downloaded files", async () => {
    const jar = new CookieJar();
    const form = new FormData();
    form.append("file", new Blob(["<svg xmlns='http://www.w3.org/2000/svg'/>"]), "a.svg");
    const uploaded = await fetch(`${server.url}/files`, { method: "POST", body: form });
    jar.store(uploaded);
    const { sha256 } = (await uploaded.json()) as { sha256: string };
    const response = await fetch(`${server.url}/files/${sha256}`, {
      headers: { cookie: jar.header() },
    });
    expect(response.status).toBe(200);
    expect({
      csp: response.headers.get("content-security-policy"),
      cache: response.headers.get("cache-control"),
      nosniff: response.headers.get("x-content-type-options"),
      disposition: response.headers.get("content-disposition"),
    }).toEqual({
      csp: "default-src 'none'; sandbox",
      cache: "private, no-cache",
      nosniff: "nosniff",
      disposition: "attachment; filename=\"a.svg\"; filename*=UTF-8''a.svg",
    });
  });
});

describe("caching", () => {
  it("caches hashed assets for a year, and revalidates index.html and the rest", async () => {
    const html = await (await page(server.url)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThan(1);
    for (const asset of assets) {
      const response = await fetch(`${server.url}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    }
    for (const path of ["/", "/index.html", "/c/deep-link", "/favicon.svg"]) {
      const response = await page(`${server.url}${path}`);
      expect(`${path}: ${response.headers.get("cache-control")}`).toBe(`${path}: no-cache`);
    }
  });
});

describe("event streams", () => {
  it("arrive uncompressed and unbuffered, event by event, whatever the client accepts", async () => {
    const { client, jar } = server.newSession();
    const { conversationId } = await client.conversations.create.mutate({});
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=40 delay=50]] a slow answer",
    });
    const input = encodeURIComponent(JSON.stringify({ json: { generationId: sent.generationId } }));
    const started = performance.now();
    const response = await fetch(`${server.url}/trpc/generations.stream?input=${input}`, {
      headers: { "accept-encoding": "gzip, deflate, br", cookie: jar.header() },
    });
    expect({
      type: response.headers.get("content-type"),
      encoding: response.headers.get("content-encoding"),
      buffering: response.headers.get("x-accel-buffering"),
      cache: response.headers.get("cache-control"),
    }).toEqual({
      type: "text/event-stream",
      encoding: null,
      buffering: "no",
      cache: "no-cache, no-transform",
    });
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    let text = "";
    while (!text.includes('"type":"token"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    // The first token arrives long before the 2 s the whole answer takes.
    expect(performance.now() - started).toBeLessThan(1_500);
    await reader.cancel();
    await client.generations.stop.mutate({ generationId: sent.generationId });
  });
});

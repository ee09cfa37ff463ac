// Abuse limits around bytes: uploads and imports per IP, what a refused upload leaves behind,
// and that no upload is ever served as a script type.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sniff } from "../src/files/sniff.ts";
import { codeOf } from "./helpers/errors.ts";
import { CookieJar, createClient, startTestServer, type TestServer } from "./helpers/server.ts";

// Every type browsers treat as JavaScript (the HTML standard's "JavaScript MIME type essence").
const SCRIPT_TYPES = [
  "application/ecmascript",
  "application/javascript",
  "application/x-ecmascript",
  "application/x-javascript",
  "text/ecmascript",
  "text/javascript",
  "text/jscript",
  "text/livescript",
  "text/x-ecmascript",
  "text/x-javascript",
];

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { RATE_LIMIT_IP_UPLOADS_PER_MINUTE: "3" } });
});
afterAll(() => server.close());

function upload(jar: CookieJar, body: FormData | string) {
  const headers = new Headers();
  if (jar.cookies.size) headers.set("cookie", jar.header());
  return fetch(`${server.url}/files`, { method: "POST", body, headers }).then(async (response) => {
    jar.store(response);
    return response;
  });
}

function textFile(text: string) {
  const form = new FormData();
  form.append("file", new Blob([text]), "notes.txt");
  return form;
}

describe("upload limits", () => {
  it("makes no guest for a request that is not an upload", async () => {
    const jar = new CookieJar();
    const response = await upload(jar, "not multipart");
    expect(response.status).toBe(400);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await server.database.db.user.count()).toBe(0);
  });

  it("refuses uploads past the per-IP allowance with 429 and Retry-After", async () => {
    const jar = new CookieJar();
    // The request above took one point of this IP's 3.
    expect((await upload(jar, textFile("one"))).status).toBe(200);
    expect((await upload(jar, textFile("two"))).status).toBe(200);
    const refused = await upload(jar, textFile("three"));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await server.database.db.file.count()).toBe(2);
  });

  it("counts imports against the same allowance", async () => {
    const client = createClient(server.url, { jar: new CookieJar() });
    const importing = client.conversations.import.mutate({
      content: "[]",
      filename: "conversations.json",
    });
    expect(await codeOf(importing)).toBe("TOO_MANY_REQUESTS");
  });
});

describe("served types", () => {
  it("never gives an upload a type browsers would run as a script", () => {
    for (const name of ["app.js", "app.mjs", "app.cjs", "App.jsx", "app.ts", "page.html"]) {
      const sniffed = sniff(new TextEncoder().encode("alert(document.cookie)\n"), name);
      expect(sniffed.accepted).toBe(true);
      if (sniffed.accepted) expect(SCRIPT_TYPES).not.toContain(sniffed.mimeType);
    }
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type AppDeps, buildApp } from "../../src/app.ts";
import { createParleyClient, type ParleyFetch } from "../../src/client/index.ts";
import { type Config, parseConfig } from "../../src/config.ts";
import { createMockUpstream, type MockUpstream } from "../../src/llm/mock/index.ts";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./database.ts";

export interface TestServer {
  url: string;
  config: Config;
  database: TestDatabase;
  mock: MockUpstream;
  app: Awaited<ReturnType<typeof buildApp>>;
  client: ReturnType<typeof createClient>;
  close(): Promise<void>;
}

/** Cookies a client keeps between requests, as a browser would for one site. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  store(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const [name = "", value = ""] = pair.split("=", 2);
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
  }
}

export interface ClientOptions {
  /** Keep cookies like a browser (a guest or signed-in session). */
  jar?: CookieJar;
  /** Authenticate as a script does, with a personal API token. */
  token?: string;
  /** Extra headers on every request, e.g. an Origin. */
  headers?: Record<string, string>;
}

/** A fetch that sends and keeps the client's cookies, as a browser does. */
function cookieFetch(jar: CookieJar | undefined): ParleyFetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    if (jar?.cookies.size) headers.set("cookie", jar.header());
    const response = await fetch(input, { ...init, headers });
    jar?.store(response);
    return response;
  };
}

/** The typed client a script uses (@parley/server/client), plus a cookie jar. */
export function createClient(url: string, options: ClientOptions = {}) {
  return createParleyClient({
    url,
    token: options.token,
    headers: options.headers,
    fetch: cookieFetch(options.jar),
  });
}

export interface TestServerOptions {
  /** Settings added to or overriding the test defaults. */
  env?: Record<string, string>;
  /** A port chosen beforehand, for tests whose PUBLIC_URL must name it; a free one otherwise. */
  port?: number;
  /** The mock upstream's pacing (2 ms per token by default). */
  mock?: Parameters<typeof createMockUpstream>[0];
  /** Chat engine settings (tests shorten timeouts). */
  chat?: AppDeps["chat"];
  /** Collects the server's log lines (info and up) here, parsed. */
  logLines?: Record<string, unknown>[];
  /** Keeps this server's keys apart in a shared Redis (REDIS_URL in env). */
  redisKeyPrefix?: string;
  /** Provider check timings (tests of outages shorten them). */
  providers?: AppDeps["providers"];
  /** An existing database to serve from (a second instance of the same deployment). */
  database?: DatabaseKind | TestDatabase;
  /** How soon a failed MCP server is retried. */
  toolBackoff?: AppDeps["toolBackoff"];
  /** How often idle guests and unused uploads are swept (hourly by default). */
  sweepIntervalMs?: number;
  /** How long a caller is remembered (0: asked of the database every time). */
  callerCacheTtlMs?: number;
  /** Called with every SQL statement the server sends to its database. */
  onStatement?: (sql: string) => void;
}

/**
 * A real Parley on a free port: a fresh migrated database, demo mode against a mock upstream
 * the test can inspect, and a typed client that keeps cookies (a guest, until it signs in).
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  // Uploads go to a directory of this server's own, removed on close.
  const filesDir = await mkdtemp(join(tmpdir(), "parley-files-"));
  const config = parseConfig({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: options.logLines ? "info" : "silent",
    FILES_DIR: filesDir,
    // Tests make many accounts and guests from one IP; the tests of these limits turn them on.
    RATE_LIMIT_IP_SIGNUPS_PER_HOUR: "0",
    RATE_LIMIT_IP_GUESTS_PER_HOUR: "0",
    // A build of the web app elsewhere than web/dist, e.g. while web/dist is being rebuilt.
    ...(process.env.WEB_DIST_DIR ? { WEB_DIST_DIR: process.env.WEB_DIST_DIR } : {}),
    ...options.env,
  });
  const shared = typeof options.database === "object" ? options.database : undefined;
  const kind = typeof options.database === "string" ? options.database : "pglite";
  const database = shared ?? (await createTestDatabase(kind, { onStatement: options.onStatement }));
  const mock = createMockUpstream({ defaultTokenDelayMs: 2, ...options.mock });
  const { logLines } = options;
  const app = await buildApp({
    config,
    db: database.db,
    mock,
    chat: options.chat,
    redisKeyPrefix: options.redisKeyPrefix,
    providers: options.providers,
    toolBackoff: options.toolBackoff,
    sweepIntervalMs: options.sweepIntervalMs,
    callerCacheTtlMs: options.callerCacheTtlMs,
    ...(logLines ? { logDestination: lineCollector(logLines) } : {}),
  });
  await app.listen({ host: config.host, port: options.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("server has no TCP address");
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    config,
    database,
    mock,
    app,
    client: createClient(url, { jar: new CookieJar() }),
    async close() {
      await app.close();
      // A database passed in belongs to the caller.
      if (!shared) await database.close();
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}

/** A log destination that parses each line into `lines`. */
export function lineCollector(lines: Record<string, unknown>[]) {
  return new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
}

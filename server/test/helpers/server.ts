import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import superjson from "superjson";
import { buildApp } from "../../src/app.ts";
import { type Config, parseConfig } from "../../src/config.ts";
import { createMockUpstream, type MockUpstream } from "../../src/llm/mock/index.ts";
import type { AppRouter } from "../../src/trpc/router.ts";
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

export function createClient(url: string, headers: Record<string, string> = {}) {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url: `${url}/trpc`, transformer: superjson }),
        false: httpBatchLink({ url: `${url}/trpc`, transformer: superjson, headers }),
      }),
    ],
  });
}

/**
 * A real Parley on a free port: a fresh migrated database, demo mode against a mock upstream
 * the test can inspect, and a typed client. `env` adds or overrides settings.
 */
export async function startTestServer(
  options: { database?: DatabaseKind; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const config = parseConfig({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "silent",
    ...options.env,
  });
  const database = await createTestDatabase(options.database ?? "pglite");
  const mock = createMockUpstream({ defaultTokenDelayMs: 2 });
  const app = await buildApp({ config, db: database.db, mock });
  await app.listen({ host: config.host, port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("server has no TCP address");
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    config,
    database,
    mock,
    app,
    client: createClient(url),
    async close() {
      await app.close();
      await database.close();
    },
  };
}

// The quick start's path, as processes: `pnpm start` (build what changed, apply pending
// migrations, serve), stopped, restarted, killed, over the same data.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../src/config.ts";
import { openDatabase } from "../src/db/client.ts";
import { migrationNames } from "../src/db/migrations.ts";
import { CookieJar, createClient } from "./helpers/server.ts";

const PRISMA_CLI = join(ROOT_DIR, "node_modules/prisma/build/index.js");
const MIGRATIONS = migrationNames().length;

function migrateDeploy(env: Record<string, string>) {
  return spawnSync(process.execPath, [PRISMA_CLI, "migrate", "deploy"], {
    cwd: ROOT_DIR,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
}

interface Started {
  child: ChildProcess;
  url: string;
  /** Everything it printed so far. */
  output(): string;
}

/** `pnpm start`, as its script runs it, on a free port. */
async function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT_DIR, "server/src/start.ts")],
    {
      cwd: ROOT_DIR,
      env: { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.on("exit", (code) => reject(new Error(`Parley exited with ${code}: ${output}`)));
  });
  return { child, url, output: () => output };
}

function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM") {
  return new Promise<number | null>((resolve) => {
    child.on("exit", (code) => resolve(code));
    child.kill(signal);
  });
}

/** The log lines' messages (pino JSON), in order. */
function messages(output: string): string[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => String((JSON.parse(line) as { msg?: unknown }).msg));
}

// A build of the web app of this test's own (web/dist may be in use by other tests).
const webDist = mkdtempSync(join(tmpdir(), "parley-web-"));
afterAll(() => rmSync(webDist, { recursive: true, force: true }));

describe("starting Parley on embedded PGlite", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "parley-data-"));
  const pgliteDir = join(dataDir, "pglite");
  const env = { DATA_DIR: dataDir, WEB_DIST_DIR: webDist };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("builds the web app and migrates on the first start, serves, and stops cleanly", async () => {
    const first = await start(env);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    expect(first.output()).toContain("All migrations have been successfully applied");
    expect(messages(first.output())).toContain(
      `applying ${MIGRATIONS} database migration(s) with prisma migrate deploy`,
    );
    expect(existsSync(join(webDist, "index.html"))).toBe(true);
    // The build's source hash is not served.
    expect((await fetch(`${first.url}/.source-hash`)).status).toBe(404);
    expect(await stop(first.child)).toBe(0);
    // A clean close leaves no lock file, so the next open needs no recovery.
    expect(existsSync(join(pgliteDir, "postmaster.pid"))).toBe(false);
  }, 180_000);

  it("restarts without building or migrating, and says so", async () => {
    const db = await openDatabase({ kind: "pglite", dir: pgliteDir });
    await db.user.create({ data: { id: "kept", email: "kept@example.com" } });
    await db.$disconnect();

    const again = await start(env);
    expect((await fetch(`${again.url}/healthz`)).status).toBe(200);
    expect(messages(again.output())).toEqual(
      expect.arrayContaining([
        "web app unchanged since last build, not rebuilding",
        "Prisma client unchanged since the schema's last build, not regenerating",
        `database schema up to date (${MIGRATIONS} migrations), nothing to apply`,
      ]),
    );
    expect(again.output()).not.toContain("prisma migrate deploy");
    expect(await stop(again.child)).toBe(0);

    // The Prisma CLI agrees that nothing is pending, and the data is still there.
    expect(migrateDeploy(env).stdout).toContain("No pending migrations to apply");
    const reopened = await openDatabase({ kind: "pglite", dir: pgliteDir });
    const user = await reopened.user.findUnique({ where: { id: "kept" } });
    await reopened.$disconnect();
    expect(user?.email).toBe("kept@example.com");
  }, 120_000);

  it("opens again after being killed in the middle of writes, with every acknowledged write", async () => {
    const running = await start(env);
    const acknowledged: string[] = [];
    let killed = false;
    // Guests creating conversations as fast as they can, until the process dies under them.
    const writers = Array.from({ length: 4 }, async () => {
      const client = createClient(running.url, { jar: new CookieJar() });
      while (!killed) {
        try {
          const { conversationId } = await client.conversations.create.mutate({});
          acknowledged.push(conversationId);
        } catch {
          return;
        }
      }
    });
    while (acknowledged.length < 20) await new Promise((resolve) => setTimeout(resolve, 20));
    killed = true;
    await stop(running.child, "SIGKILL");
    await Promise.all(writers);
    expect(existsSync(join(pgliteDir, "postmaster.pid"))).toBe(true);

    const recovered = await start(env);
    expect((await fetch(`${recovered.url}/healthz`)).status).toBe(200);
    expect(await stop(recovered.child)).toBe(0);
    const db = await openDatabase({ kind: "pglite", dir: pgliteDir });
    const kept = await db.conversation.count({ where: { id: { in: acknowledged } } });
    await db.$disconnect();
    expect(kept).toBe(acknowledged.length);
  }, 120_000);
});

describe.runIf(process.env.TEST_DATABASE_URL)("starting Parley on PostgreSQL", () => {
  // A database of its own: the CLI migrates the `public` schema of whatever it is given.
  const adminUrl = process.env.TEST_DATABASE_URL ?? "";
  const name = `parley_start_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it("migrates a fresh database with prisma migrate deploy, then restarts without it", async () => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const env = { DATABASE_URL: url.toString(), WEB_DIST_DIR: webDist };

    const first = await start(env);
    expect(first.output()).toContain("All migrations have been successfully applied");
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    expect(await stop(first.child)).toBe(0);

    const again = await start(env);
    expect(messages(again.output())).toContain(
      `database schema up to date (${MIGRATIONS} migrations), nothing to apply`,
    );
    expect((await fetch(`${again.url}/healthz`)).status).toBe(200);
    expect(await stop(again.child)).toBe(0);
    expect(migrateDeploy(env).stdout).toContain("No pending migrations to apply");
  }, 180_000);
});

// The quick start's path, as processes: `prisma migrate deploy`, then the server, stopped and
// started again over the same data.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../src/config.ts";
import { type Db, openDatabase } from "../src/db/client.ts";

const PRISMA_CLI = join(ROOT_DIR, "node_modules/prisma/build/index.js");

function migrateDeploy(env: Record<string, string>) {
  return spawnSync(process.execPath, [PRISMA_CLI, "migrate", "deploy"], {
    cwd: ROOT_DIR,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
}

async function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT_DIR, "server/src/main.ts")], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk;
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  return { child, url };
}

function stop(child: ChildProcess) {
  return new Promise<number | null>((resolve) => {
    child.on("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

async function withDatabase<T>(dir: string, use: (db: Db) => Promise<T>) {
  const db = await openDatabase({ kind: "pglite", dir });
  try {
    return await use(db);
  } finally {
    await db.$disconnect();
  }
}

describe("starting Parley on embedded PGlite", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "parley-data-"));
  const pgliteDir = join(dataDir, "pglite");
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("migrates, serves, stops cleanly, and keeps the data across a restart", async () => {
    const migrated = migrateDeploy({ DATA_DIR: dataDir });
    expect(migrated.stdout).toContain("All migrations have been successfully applied");
    expect(migrated.status).toBe(0);

    const first = await startServer({ DATA_DIR: dataDir });
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    expect(await stop(first.child)).toBe(0);
    // A clean close leaves no lock file, so the next open needs no recovery.
    expect(existsSync(join(pgliteDir, "postmaster.pid"))).toBe(false);

    await withDatabase(pgliteDir, (db) =>
      db.user.create({ data: { id: "kept", email: "kept@example.com" } }),
    );

    const again = migrateDeploy({ DATA_DIR: dataDir });
    expect(again.stdout).toContain("No pending migrations to apply");
    const second = await startServer({ DATA_DIR: dataDir });
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
    expect(await stop(second.child)).toBe(0);

    const user = await withDatabase(pgliteDir, (db) =>
      db.user.findUnique({ where: { id: "kept" } }),
    );
    expect(user?.email).toBe("kept@example.com");
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

  it("migrates a fresh database with prisma migrate deploy and serves from it", async () => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const migrated = migrateDeploy({ DATABASE_URL: url.toString() });
    expect(migrated.stdout).toContain("All migrations have been successfully applied");

    const server = await startServer({ DATABASE_URL: url.toString() });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await stop(server.child)).toBe(0);
  }, 120_000);
});

// Several Parley instances sharing one PostgreSQL database and one Redis, as behind a load
// balancer: in this process (buildApp), or as real processes (`server/src/main.ts`) that a test
// may kill.

import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { ROOT_DIR } from "../../src/config.ts";
import { PrismaClient } from "../../src/db/generated/client.ts";
import { MIGRATIONS_DIR, migrationNames } from "../../src/db/migrations.ts";
import { migrationSql, type TestDatabase } from "./database.ts";
import { uniqueKeyPrefix } from "./redis.ts";

export interface SharedDatabase extends TestDatabase {
  /** A DATABASE_URL for instances in other processes. */
  url: string;
}

/** A fresh, migrated database of its own on the PostgreSQL under test (TEST_DATABASE_URL). */
export async function createSharedDatabase(): Promise<SharedDatabase> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error("TEST_DATABASE_URL is not set");
  const name = `parley_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const setup = new pg.Client({ connectionString: url.href });
  await setup.connect();
  for (const sql of migrationSql()) await setup.query(sql);
  await recordMigrations(setup);
  await setup.end();
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url.href }) });
  return {
    kind: "postgres",
    url: url.href,
    db,
    async close() {
      await db.$disconnect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * Records the migrations as applied, as `prisma migrate deploy` does (its table, one finished
 * row per migration with the file's SHA-256), so a Parley started on it finds nothing to do.
 */
async function recordMigrations(client: pg.Client) {
  await client.query(`CREATE TABLE "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
  for (const name of migrationNames()) {
    const sql = readFileSync(join(MIGRATIONS_DIR, name, "migration.sql"));
    await client.query(
      `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "applied_steps_count")
       VALUES ($1, $2, now(), $3, 1)`,
      [randomUUID(), createHash("sha256").update(sql).digest("hex"), name],
    );
  }
}

/** The settings every instance of one deployment shares. */
export function sharedSettings(redisUrl: string) {
  return { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: uniqueKeyPrefix() };
}

export interface InstanceProcess {
  url: string;
  process: ChildProcess;
  /** Everything it printed. */
  output(): string;
  /** Sends a signal and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Parley as `pnpm start` runs it (`server/src/main.ts`), on a free port, in demo mode, with
 * `env` added; resolves once it answers /healthz.
 */
export async function startInstanceProcess(
  env: Record<string, string>,
  port: number,
): Promise<InstanceProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), "parley-instance-"));
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], {
    cwd: ROOT_DIR,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      DATA_DIR: dataDir,
      RATE_LIMIT_MESSAGES_PER_MINUTE: "0",
      RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "0",
      GUEST_MESSAGE_LIMIT: "0",
      ...(process.env.WEB_DIST_DIR ? { WEB_DIST_DIR: process.env.WEB_DIST_DIR } : {}),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Parley exited at start:\n${output}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`Parley did not answer /healthz within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    process: child,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      await rm(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

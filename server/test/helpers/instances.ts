// Several Parley instances sharing one PostgreSQL database and one Redis, as behind a load
// balancer: in this process (buildApp), or as real processes (`server/src/main.ts`) that a test
// may kill.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { ROOT_DIR } from "../../src/config.ts";
import { PrismaClient } from "../../src/db/generated/client.ts";
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

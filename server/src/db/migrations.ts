import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT_DIR } from "../config.ts";
import type { DatabaseConfig } from "./adapter.ts";
import { type Db, openDatabase } from "./client.ts";
import { pgliteExists } from "./pglite.ts";

export const MIGRATIONS_DIR = join(ROOT_DIR, "prisma", "migrations");
const PRISMA_CLI = join(ROOT_DIR, "node_modules", "prisma", "build", "index.js");

/** The migrations in prisma/migrations, in the order `prisma migrate deploy` applies them. */
export function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export interface MigrationState {
  /** Migrations on disk that the database has not applied. */
  pending: string[];
  /** Migrations that started and neither finished nor were rolled back. */
  failed: string[];
}

/**
 * What `prisma migrate deploy` would find to do, read from its `_prisma_migrations` table: a
 * migration is applied when a row of that name finished and was not rolled back.
 */
export async function readMigrationState(db: Db): Promise<MigrationState> {
  const names = migrationNames();
  const [table] = await db.$queryRaw<{ exists: boolean }[]>`
    SELECT to_regclass('_prisma_migrations') IS NOT NULL AS "exists"`;
  if (!table?.exists) return { pending: names, failed: [] };
  const rows = await db.$queryRaw<{ name: string; finished: boolean; rolledBack: boolean }[]>`
    SELECT migration_name AS "name", finished_at IS NOT NULL AS "finished",
      rolled_back_at IS NOT NULL AS "rolledBack"
    FROM _prisma_migrations`;
  const applied = new Set(rows.filter((r) => r.finished && !r.rolledBack).map((r) => r.name));
  return {
    pending: names.filter((name) => !applied.has(name)),
    failed: rows.filter((r) => !r.finished && !r.rolledBack).map((r) => r.name),
  };
}

/** `prisma migrate deploy`, its output going to ours; rejects when it fails. */
export function migrateDeploy(): Promise<void> {
  return new Promise((resolve, reject) => {
    const cli = spawn(process.execPath, [PRISMA_CLI, "migrate", "deploy"], {
      cwd: ROOT_DIR,
      stdio: ["ignore", "inherit", "inherit"],
    });
    cli.once("error", reject);
    cli.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`prisma migrate deploy failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/**
 * Opens the database with every migration applied. Restarts find nothing to do and skip the
 * Prisma CLI, which takes seconds even then; otherwise `prisma migrate deploy` applies them
 * (PGlite is closed meanwhile: one process at a time may open its directory).
 */
export async function openMigratedDatabase(
  database: DatabaseConfig,
  log: (line: string) => void,
): Promise<Db> {
  // A PGlite directory not made yet lacks everything: the CLI makes it.
  if (database.kind === "pglite" && !pgliteExists(database.dir)) {
    log(`applying ${migrationNames().length} database migration(s) with prisma migrate deploy`);
  } else {
    const db = await openDatabase(database);
    const { pending, failed } = await readMigrationState(db);
    if (pending.length === 0 && failed.length === 0) {
      log(`database schema up to date (${migrationNames().length} migrations), nothing to apply`);
      return db;
    }
    log(
      failed.length > 0
        ? `database migration ${failed.join(", ")} failed before: running prisma migrate deploy`
        : `applying ${pending.length} database migration(s) with prisma migrate deploy`,
    );
    await db.$disconnect();
  }
  await migrateDeploy();
  return openDatabase(database);
}

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { parseConfig } from "../../src/config.ts";
import type { AdapterOptions } from "../../src/db/adapter.ts";
import { type Db, openDatabase } from "../../src/db/client.ts";
import { MIGRATIONS_DIR, migrationNames } from "../../src/db/migrations.ts";

export type DatabaseKind = "pglite" | "postgres";

export interface TestDatabase {
  kind: DatabaseKind;
  db: Db;
  close(): Promise<void>;
}

/** The migration SQL files, in the order `prisma migrate deploy` applies them. */
export function migrationSql(): string[] {
  return migrationNames().map((name) =>
    readFileSync(join(MIGRATIONS_DIR, name, "migration.sql"), "utf8"),
  );
}

/** PGlite's version: a dump is read by the version that wrote it. */
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const manifest = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8"));
  return String((manifest as { version?: unknown }).version);
}

/**
 * A dump of a freshly migrated PGlite database, made once per version of the migrations and
 * kept in the temporary directory: starting from it takes a fraction of creating a database
 * (initdb), which is most of a test file's setup on a busy machine.
 */
async function migratedPGliteDump(): Promise<string> {
  const migrations = migrationSql();
  const key = createHash("sha256").update(pgliteVersion()).update(migrations.join("\0"));
  const file = join(tmpdir(), `parley-test-pglite-${key.digest("hex").slice(0, 16)}.tar`);
  if (existsSync(file)) return file;
  const pglite = await PGlite.create();
  for (const sql of migrations) await pglite.exec(sql);
  const dump = await pglite.dumpDataDir("none");
  await pglite.close();
  // Written aside, then renamed: test files running at once may each make it.
  const draft = `${file}.${process.pid}`;
  await writeFile(draft, Buffer.from(await dump.arrayBuffer()));
  await rename(draft, file);
  return file;
}

/**
 * The databases every database test runs against: PGlite always, PostgreSQL when
 * TEST_DATABASE_URL is set. In CI (CI=true) PostgreSQL is required, never skipped.
 */
export function testDatabaseKinds(): DatabaseKind[] {
  if (process.env.TEST_DATABASE_URL) return ["pglite", "postgres"];
  if (process.env.CI === "true") {
    throw new Error("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI");
  }
  return ["pglite"];
}

/**
 * A fresh, migrated database, opened as the server opens one (openDatabase): a PGlite in its
 * worker thread (in memory unless given a directory), or a new schema in the PostgreSQL under test.
 */
export async function createTestDatabase(
  kind: DatabaseKind,
  {
    pgliteDir = "memory://",
    ...options
  }: Pick<AdapterOptions, "onStatement"> & {
    /** PGlite's data directory, for a database on disk as the server keeps one. */
    pgliteDir?: string;
  } = {},
): Promise<TestDatabase> {
  if (kind === "pglite") {
    const db = await openDatabase(
      { kind, dir: pgliteDir },
      { ...options, pgliteDump: await migratedPGliteDump() },
    );
    return { kind, db, close: () => db.$disconnect() };
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is not set");
  const schema = `test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.query(`SET search_path TO "${schema}"`);
  for (const sql of migrationSql()) await admin.query(sql);
  // The server's settings for a PostgreSQL database (the default pool size).
  const db = await openDatabase(parseConfig({ DATABASE_URL: url }).database, {
    ...options,
    schema,
  });
  return {
    kind,
    db,
    async close() {
      await db.$disconnect();
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

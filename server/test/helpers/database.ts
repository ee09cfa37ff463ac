import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { ROOT_DIR } from "../../src/config.ts";
import { pgliteFactory } from "../../src/db/adapter.ts";
import type { Db } from "../../src/db/client.ts";
import { PrismaClient } from "../../src/db/generated/client.ts";

export type DatabaseKind = "pglite" | "postgres";

export interface TestDatabase {
  kind: DatabaseKind;
  db: Db;
  close(): Promise<void>;
}

/** The migration SQL files, in the order `prisma migrate deploy` applies them. */
export function migrationSql(): string[] {
  const dir = join(ROOT_DIR, "prisma", "migrations");
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => readFileSync(join(dir, name, "migration.sql"), "utf8"));
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

/** A fresh, migrated database: in-memory PGlite, or a new schema in the PostgreSQL under test. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    const pglite = new PGlite();
    for (const sql of migrationSql()) await pglite.exec(sql);
    const db = new PrismaClient({ adapter: pgliteFactory(() => pglite) });
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
  const db = new PrismaClient({
    // Raw queries ($queryRaw) name tables unqualified, so they too must look in this schema.
    adapter: new PrismaPg(
      { connectionString: url, options: `-c search_path=${schema}` },
      { schema },
    ),
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

// PostgreSQL for the benchmark's Parley processes: the parent makes one migrated schema per
// target, and every instance of that target opens the same one (several instances behind nginx
// share their database, as in production).

import pg from "pg";
import { parseConfig } from "../server/src/config.ts";
import { type Db, openDatabase } from "../server/src/db/client.ts";
import { migrationSql } from "../server/test/helpers/database.ts";

export interface BenchSchema {
  name: string;
  drop(): Promise<void>;
}

/** A new, migrated schema in the PostgreSQL at `url`. */
export async function createSchema(url: string): Promise<BenchSchema> {
  const name = `bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${name}"`);
    await admin.query(`SET search_path TO "${name}"`);
    for (const sql of migrationSql()) await admin.query(sql);
  } finally {
    await admin.end();
  }
  return {
    name,
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA "${name}" CASCADE`);
      await client.end();
    },
  };
}

/** Parley's database on `schema`, opened as the server opens it (its default pool size). */
export function openSchema(url: string, schema: string): Promise<Db> {
  return openDatabase(parseConfig({ DATABASE_URL: url }).database, { schema });
}

import { createAdapter, type DatabaseConfig } from "./adapter.ts";
import { PrismaClient } from "./generated/client.ts";

export type Db = PrismaClient;

/** Opens the database. Migrations must already be applied (`pnpm db:migrate`). */
export function openDatabase(database: DatabaseConfig): Db {
  return new PrismaClient({ adapter: createAdapter(database) });
}

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT_DIR } from "../config.ts";

export const MIGRATIONS_DIR = join(ROOT_DIR, "prisma", "migrations");

/** The migrations in prisma/migrations, in the order `prisma migrate deploy` applies them. */
export function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

// Authors a migration from the schema: `pnpm db:new-migration <name>`.
// `prisma migrate dev` needs a shadow database server; `migrate diff` replays the existing
// migrations into an in-memory PGlite instead (see prisma.config.ts) and writes the difference.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: pnpm db:new-migration <name>   (lowercase letters, digits and _)");
  process.exit(1);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = join("prisma", "migrations", `${stamp}_${name}`);
// Written outside prisma/migrations first: Prisma refuses a migration folder with no SQL in it.
const draft = join(mkdtempSync(join(tmpdir(), "parley-migration-")), "migration.sql");
const diff = spawnSync(
  "prisma",
  [
    "migrate",
    "diff",
    "--from-migrations",
    "prisma/migrations",
    "--to-schema-datamodel",
    "prisma/schema.prisma",
    "--script",
    "--output",
    draft,
  ],
  { stdio: "inherit", shell: false },
);
if (diff.status !== 0) process.exit(diff.status ?? 1);
if (readFileSync(draft, "utf8").includes("This is an empty migration")) {
  console.log("The schema matches the migrations: nothing to write.");
} else {
  mkdirSync(dir, { recursive: true });
  copyFileSync(draft, join(dir, "migration.sql"));
  console.log(`Wrote ${dir}/migration.sql. Review it, then apply it with: pnpm db:migrate`);
}

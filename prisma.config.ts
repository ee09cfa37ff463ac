// Prisma CLI settings: the WebAssembly schema engine over the same driver adapter the server
// uses, so `migrate deploy` works on PGlite and PostgreSQL with no native engine download.
import { defineConfig } from "prisma/config";
import { loadConfig } from "./server/src/config.ts";
import { createMigrationAdapter } from "./server/src/db/adapter.ts";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  adapter: async () => createMigrationAdapter(loadConfig().database),
});

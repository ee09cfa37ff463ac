import { type AdapterOptions, createAdapter, type DatabaseConfig } from "./adapter.ts";
import { PrismaClient } from "./generated/client.ts";
import { registerStatementRunner, type StatementRunner } from "./statements.ts";

export type Db = PrismaClient;

/** How long a transaction may wait to start. */
const TRANSACTION_MAX_WAIT_MS = 10_000;

/**
 * Opens the database (for PGlite, starts its worker thread) and connects. Migrations must
 * already be applied (see migrations.ts). `db.$disconnect()` closes it.
 */
export async function openDatabase(
  database: DatabaseConfig,
  options: AdapterOptions = {},
): Promise<Db> {
  const factory = createAdapter(database, options);
  let runner: StatementRunner | undefined;
  const db = new PrismaClient({
    adapter: {
      provider: factory.provider,
      adapterName: factory.adapterName,
      // The adapter Prisma connects is the one the hot path's statements use (statements.ts).
      connect: async () => {
        const adapter = await factory.connect();
        runner = adapter;
        return adapter;
      },
    },
    // A transaction waits for a connection (PGlite has one) behind every query queued before
    // it: at 300 concurrent sends that is seconds, not a reason to fail (Prisma's default: 2 s).
    transactionOptions: { maxWait: TRANSACTION_MAX_WAIT_MS },
  });
  await db.$connect();
  registerStatementRunner(db, () => runner);
  return db;
}

// The statements of the hot path (a new guest, a send's read and write, checkpoints, titles and
// final saves) go straight to the driver adapter under Prisma. Prisma's $queryRaw and
// $executeRaw compile every statement in WebAssembly before sending it: 0.3 ms of CPU per
// statement against 0.1 ms for the driver alone (the same statement sent 3,000 times in turn),
// and at 100 concurrent new conversations the server spent 19 % less CPU per conversation
// without it (`pnpm bench -- --database postgres --concurrency 100 --tokens 2`: 7.5 ms against
// 9.3). Same pool, same connections, same statement observer as Prisma's own queries.

import type { Prisma, PrismaClient } from "./generated/client.ts";

/** The database (client.ts's Db, named from here so that the two modules do not import each other). */
type Db = PrismaClient;

/** What a driver adapter offers for one statement (adapter-pg's, for both databases). */
export interface StatementRunner {
  queryRaw(
    query: SqlQuery,
  ): Promise<{ columnNames: string[]; columnTypes: number[]; rows: unknown[][] }>;
  executeRaw(query: SqlQuery): Promise<number>;
}

interface SqlQuery {
  sql: string;
  args: unknown[];
  argTypes: { scalarType: "unknown"; arity: "scalar" }[];
}

/** The adapter under each database that openDatabase opened, once Prisma has connected it. */
const runners = new WeakMap<Db, () => StatementRunner | undefined>();

export function registerStatementRunner(db: Db, runner: () => StatementRunner | undefined): void {
  runners.set(db, runner);
}

/** adapter-pg's column type for json and jsonb (driver-adapter-utils' ColumnTypeEnum.Json). */
const JSON_COLUMN = 11;

/**
 * The rows of a statement, as objects by column name. JSON columns are parsed; every other value
 * is as the driver reads it (cast counts to int: a bigint arrives as a string).
 */
export async function queryRows<Row>(db: Db, statement: Prisma.Sql): Promise<Row[]> {
  const runner = runners.get(db)?.();
  // A database opened elsewhere (a test's, or one wrapped for counting) goes through Prisma.
  if (!runner) return db.$queryRaw<Row[]>(statement);
  const { columnNames, columnTypes, rows } = await runner.queryRaw(toQuery(statement));
  return rows.map((values) => {
    const row: Record<string, unknown> = {};
    for (const [index, name] of columnNames.entries()) {
      const value = values[index];
      row[name] =
        columnTypes[index] === JSON_COLUMN && typeof value === "string" ? JSON.parse(value) : value;
    }
    return row as Row;
  });
}

/** Runs a statement; resolves to the number of rows it changed. */
export async function executeStatement(db: Db, statement: Prisma.Sql): Promise<number> {
  const runner = runners.get(db)?.();
  if (!runner) return db.$executeRaw(statement);
  return runner.executeRaw(toQuery(statement));
}

function toQuery(statement: Prisma.Sql): SqlQuery {
  return {
    sql: statement.text,
    args: statement.values,
    // Every value is cast in the SQL where its type matters; the driver sends it as it is.
    argTypes: statement.values.map(() => ({ scalarType: "unknown", arity: "scalar" })),
  };
}

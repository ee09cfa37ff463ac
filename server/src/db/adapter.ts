import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { Config } from "../config.ts";
import { PGLITE_PORT, type PGliteServer, startPGlite } from "./pglite.ts";

export type DatabaseConfig = Config["database"];
type PgAdapter = Awaited<ReturnType<PrismaPg["connect"]>>;
type PGliteAdapter = Awaited<ReturnType<PrismaPGlite["connect"]>>;
type Queryable = Pick<PgAdapter, "queryRaw" | "executeRaw">;

// This module is shared by the server and the Prisma CLI (prisma.config.ts), so it must not
// import the generated client.

export interface AdapterOptions {
  /** PostgreSQL: the schema to use instead of `public` (tests give each file its own). */
  schema?: string;
  /** PGlite: a dump (PGlite's dumpDataDir) to start from (tests: a migrated database). */
  pgliteDump?: string;
  /** Called with every SQL statement sent, BEGIN, COMMIT and ROLLBACK included. */
  onStatement?: (sql: string) => void;
}

/**
 * The driver adapter factory the server's Prisma client uses: `@prisma/adapter-pg` for both
 * databases. PGlite runs in a worker thread serving the PostgreSQL protocol (pglite.ts), so
 * its WebAssembly never blocks the event loop.
 */
export function createAdapter(database: DatabaseConfig, options: AdapterOptions = {}) {
  const factory =
    database.kind === "postgres"
      ? new PrismaPg(
          {
            connectionString: database.url,
            max: database.poolSize,
            // Raw queries ($queryRaw) name tables unqualified: they must look in the schema too.
            ...(options.schema && { options: `-c search_path=${options.schema}` }),
          },
          { schema: options.schema },
        )
      : pgliteWorkerFactory(() => startPGlite(database.dir, options.pgliteDump));
  return options.onStatement ? observeStatements(factory, options.onStatement) : factory;
}

interface AdapterFactory {
  adapterName: string;
  provider: "postgres";
  connect(): Promise<PgAdapter>;
}

/** Connections to PGlite's worker: enough to send a burst's statements in one go. */
const PGLITE_CONNECTIONS = 8;

function pgliteWorkerFactory(start: () => Promise<PGliteServer>): AdapterFactory {
  return {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    async connect() {
      const server = await start();
      const pool = new PrismaPg({
        host: server.socketDir,
        port: PGLITE_PORT,
        user: "postgres",
        database: "postgres",
        // One session, but several statements in flight: the worker runs them in turn and
        // their answers come back together (pglite-worker.js).
        max: PGLITE_CONNECTIONS,
        // Keep the clients: reconnecting costs a startup handshake for nothing.
        idleTimeoutMillis: 0,
      });
      const adapter = await pool.connect();
      const dispose = adapter.dispose.bind(adapter);
      // Prisma's $disconnect disposes the adapter: close the database with it.
      adapter.dispose = async () => {
        await dispose();
        await server.close();
      };
      return adapter;
    },
  };
}

/** Reports every statement an adapter sends (for tests and diagnostics). */
function observeStatements(factory: AdapterFactory, onStatement: (sql: string) => void) {
  const observe = <T extends Queryable>(queryable: T): T => {
    const queryRaw = queryable.queryRaw.bind(queryable);
    const executeRaw = queryable.executeRaw.bind(queryable);
    queryable.queryRaw = (query) => {
      onStatement(query.sql);
      return queryRaw(query);
    };
    queryable.executeRaw = (query) => {
      onStatement(query.sql);
      return executeRaw(query);
    };
    return queryable;
  };
  return {
    ...factory,
    async connect() {
      const adapter = observe(await factory.connect());
      const startTransaction = adapter.startTransaction.bind(adapter);
      // adapter-pg sends BEGIN itself; Prisma sends COMMIT or ROLLBACK through the transaction.
      adapter.startTransaction = async (isolationLevel) => {
        onStatement("BEGIN");
        if (isolationLevel) onStatement(`SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`);
        return observe(await startTransaction(isolationLevel));
      };
      return adapter;
    },
  };
}

/**
 * The factory for the Prisma CLI (`migrate deploy`, `migrate diff`). PGlite runs in the CLI's
 * own process, through pglite-prisma-adapter (the CLI needs a shadow database for diff, which
 * that adapter gives). The CLI never disposes its adapter, so PGlite is closed when the CLI is
 * done (beforeExit); a directory left unclean by a crash is recovered and closed first, since
 * recovery arms a timer that would keep the CLI alive.
 */
export function createMigrationAdapter(database: DatabaseConfig) {
  if (database.kind === "postgres") return postgresMigrationFactory(database.url);
  return pgliteMigrationFactory(async () => {
    if (existsSync(join(database.dir, "postmaster.pid"))) await openPGlite(database.dir).close();
    const client = openPGlite(database.dir);
    process.once("beforeExit", () => void client.close());
    return client;
  });
}

function openPGlite(dir: string) {
  mkdirSync(dir, { recursive: true });
  return new PGlite(dir);
}

/**
 * pglite-prisma-adapter 0.6 needs three mends, made here in one place:
 * - dispose() leaves the database open; an open PGlite keeps Node running and leaves its
 *   directory needing recovery. Here dispose() closes it.
 * - executeScript() does not await the script, so errors are lost and "applied" is reported
 *   before the migration has run. Here it awaits.
 * - the schema engine replays migrations into the shadow database with executeRaw, which
 *   PGlite runs as one prepared statement and so refuses multi-statement SQL. There, a query
 *   without parameters runs as a script.
 */
function pgliteMigrationFactory(open: () => Promise<PGlite>) {
  const connect = async (client: PGlite, shadow = false): Promise<PGliteAdapter> => {
    const adapter = await new PrismaPGlite(client).connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      if (!client.closed) await client.close();
    };
    adapter.executeScript = async (script) => {
      await client.exec(script);
    };
    if (shadow) {
      const executeRaw = adapter.executeRaw.bind(adapter);
      adapter.executeRaw = async (query) => {
        if (query.args.length > 0) return executeRaw(query);
        await client.exec(query.sql);
        return 0;
      };
    }
    return adapter;
  };
  return {
    provider: "postgres" as const,
    adapterName: "pglite-prisma-adapter",
    connect: async () => connect(await open()),
    connectToShadowDb: () => connect(new PGlite(), true),
  };
}

/** PostgreSQL's internal string types that adapter-pg 6.19 refuses to read. */
const NAME_OID = 19;
const CHAR_OID = 18;
const TEXT_OID = 25;
interface PgField {
  dataTypeID: number;
}
interface PerformsIO {
  performIO(query: unknown): Promise<{ fields: PgField[] }>;
}

/**
 * adapter-pg cannot read `name` and `"char"` columns, which the schema engine's catalog queries
 * return, so `migrate deploy` over it fails ("Column type 'name' could not be deserialized";
 * prisma/prisma#27403). Both are plain strings: for the CLI only, report them as text.
 */
function postgresMigrationFactory(url: string) {
  const factory = new PrismaPg({ connectionString: url });
  const readNamesAsText = <T extends object>(queryable: T): T => {
    const io = queryable as unknown as PerformsIO;
    const performIO = io.performIO.bind(io);
    io.performIO = async (query) => {
      const result = await performIO(query);
      for (const field of result.fields) {
        if (field.dataTypeID === NAME_OID || field.dataTypeID === CHAR_OID) {
          field.dataTypeID = TEXT_OID;
        }
      }
      return result;
    };
    return queryable;
  };
  const connect = async (adapter: Awaited<ReturnType<PrismaPg["connect"]>>) => {
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) =>
      readNamesAsText(await startTransaction(isolationLevel));
    return readNamesAsText(adapter);
  };
  return {
    provider: "postgres" as const,
    adapterName: factory.adapterName,
    connect: async () => connect(await factory.connect()),
    connectToShadowDb: async () => connect(await factory.connectToShadowDb()),
  };
}

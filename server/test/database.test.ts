// The database layer as the server opens it: PGlite in its worker thread and PostgreSQL, both
// through @prisma/adapter-pg.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGLITE_PORT, startPGlite } from "../src/db/pglite.ts";
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from "./helpers/database.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A statement's kind: its first word (INSERT, SELECT, BEGIN, COMMIT...). */
const verb = (sql: string) => sql.trimStart().split(/\s/, 1)[0]?.toUpperCase();

describe.each(testDatabaseKinds())("the database on %s", (kind) => {
  let database: TestDatabase;
  const statements: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(kind, { onStatement: (sql) => statements.push(sql) });
  });
  afterAll(() => database.close());

  it("reports every statement it sends, transactions' BEGIN, COMMIT and ROLLBACK included", async () => {
    const { db } = database;
    statements.length = 0;
    const user = await db.user.create({ data: { email: "counted@example.com" } });
    expect(statements.map(verb)).toEqual(["INSERT"]);

    statements.length = 0;
    await db.user.findMany({ where: { id: user.id } });
    expect(statements.map(verb)).toEqual(["SELECT"]);

    statements.length = 0;
    await db.$transaction(async (tx) => {
      const found = await tx.user.findUniqueOrThrow({ where: { id: user.id } });
      await tx.user.update({ where: { id: found.id }, data: { name: "Counted" } });
    });
    expect(statements.map(verb)).toEqual(["BEGIN", "SELECT", "UPDATE", "COMMIT"]);

    statements.length = 0;
    const failed = db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { name: "Undone" } });
      throw new Error("changed my mind");
    });
    await expect(failed).rejects.toThrow("changed my mind");
    expect(statements.map(verb)).toEqual(["BEGIN", "UPDATE", "ROLLBACK"]);
  });

  it("gives each of many concurrent statements its own answer", async () => {
    const { db } = database;
    const emails = Array.from({ length: 100 }, (_, i) => `concurrent-${i}@example.com`);
    await db.user.createMany({ data: emails.map((email) => ({ email })) });
    const found = await Promise.all(
      emails.map((email) => db.user.findUnique({ where: { email }, select: { email: true } })),
    );
    expect(found.map((user) => user?.email)).toEqual(emails);
  });

  it("keeps its connection through failing statements: each fails alone, the next one works", async () => {
    const db = database.db;
    const failures: string[] = [];
    for (let i = 0; i < 20; i++) {
      await db.$executeRawUnsafe(`SELECT * FROM "NoSuchTable${i % 3}"`).catch((error: unknown) => {
        failures.push(String(error));
      });
    }
    expect(failures).toHaveLength(20);
    expect(failures.filter((failure) => /closed/i.test(failure))).toEqual([]);
    expect(await db.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`).toEqual([{ ok: 1 }]);
  });

  it("keeps two interleaved interactive transactions apart", async () => {
    const { db } = database;
    const [first, second] = await Promise.all([
      db.user.create({ data: { email: "first@example.com", name: "first" } }),
      db.user.create({ data: { email: "second@example.com", name: "second" } }),
    ]);
    const seen: Record<string, string | null | undefined> = {};
    // One transaction writes, waits while the other runs, then rolls back.
    const abandoned = db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: first.id }, data: { name: "uncommitted" } });
      await sleep(200);
      seen.byItself = (await tx.user.findUnique({ where: { id: first.id } }))?.name;
      throw new Error("rolled back");
    });
    await sleep(20);
    // Meanwhile another transaction reads that row and writes its own, and so does a single
    // statement outside any transaction.
    const committed = db.$transaction(async (tx) => {
      seen.byOther = (await tx.user.findUnique({ where: { id: first.id } }))?.name;
      await tx.user.update({ where: { id: second.id }, data: { name: "committed" } });
    });
    const outside = db.user.findUnique({ where: { id: first.id } });

    await expect(abandoned).rejects.toThrow("rolled back");
    await committed;
    seen.outside = (await outside)?.name;

    expect(seen).toEqual({ byItself: "uncommitted", byOther: "first", outside: "first" });
    const names = await db.user.findMany({
      where: { id: { in: [first.id, second.id] } },
      orderBy: { email: "asc" },
      select: { name: true },
    });
    expect(names).toEqual([{ name: "first" }, { name: "committed" }]);
  });
});

describe("PGlite in its worker thread", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("pglite");
  });
  afterAll(() => database.close());

  it("leaves the event loop free while a long query runs", async () => {
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 10);
    const started = performance.now();
    await database.db.$queryRaw`SELECT sum(x) FROM generate_series(1, 3000000) AS x`;
    const ended = performance.now();
    clearInterval(timer);

    const duration = ended - started;
    const during = [started, ...ticks.filter((t) => t > started && t < ended), ended];
    const longestGap = Math.max(...during.slice(1).map((t, i) => t - (during[i] ?? t)));
    // On the event loop the query would stop the timer for its whole duration.
    expect(duration).toBeGreaterThan(300);
    expect(longestGap).toBeLessThan(duration / 3);
    expect(during.length - 2).toBeGreaterThan(duration / 10 / 3);
  });

  it("keeps nothing of what it answers: 400 answers of 1 MB leave memory about where it was", async () => {
    const read = () =>
      database.db.$queryRaw<{ line: string }[]>`
        SELECT repeat('x', 1000) AS line FROM generate_series(1, 1000)`;
    for (let i = 0; i < 20; i++) await read();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 400; i++) expect((await read()).length).toBe(1000);
    const grown = (process.memoryUsage().rss - before) / 2 ** 20;
    // Were the answers kept (PGlite's execProtocolRaw keeps each one, parsed), this would be
    // about 500 MB.
    expect(grown).toBeLessThan(200);
  });

  it("serves several connections in turn; one inside a transaction holds the session until it ends or goes away", async () => {
    const server = await startPGlite("memory://");
    const connect = async () => {
      const client = new pg.Client({
        host: server.socketDir,
        port: PGLITE_PORT,
        user: "postgres",
        database: "postgres",
      });
      await client.connect();
      return client;
    };
    const count = async (client: pg.Client) =>
      (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM t")).rows[0]?.n;
    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    try {
      await a.query("CREATE TABLE t (n int)");
      await a.query("BEGIN");
      await a.query("INSERT INTO t VALUES ($1)", [1]);
      // B waits while A's transaction is open; A's own statements go on meanwhile.
      let answered = false;
      const seenByB = count(b).then((n) => {
        answered = true;
        return n;
      });
      await sleep(100);
      expect(answered).toBe(false);
      expect(await count(a)).toBe(1);
      await a.query("COMMIT");
      expect(await seenByB).toBe(1);

      // A connection that goes away inside a transaction: its writes are undone, others go on.
      await c.query("BEGIN");
      await c.query("INSERT INTO t VALUES (2)");
      const afterC = count(b);
      await c.end();
      expect(await afterC).toBe(1);

      // Statements in flight on both connections at once, each with its own answer; a failing
      // one fails alone.
      const numbers = Array.from({ length: 60 }, (_, i) => i);
      const answers = await Promise.all(
        numbers.map(async (i) => {
          const client = i % 2 === 0 ? a : b;
          if (i % 10 === 5) {
            return client.query("SELECT * FROM missing").then(
              () => "answered",
              () => "failed",
            );
          }
          return (await client.query<{ n: number }>("SELECT $1::int AS n", [i])).rows[0]?.n;
        }),
      );
      expect(answers).toEqual(numbers.map((i) => (i % 10 === 5 ? "failed" : i)));
    } finally {
      await Promise.all([a.end(), b.end()]);
      await server.close();
    }
  });
});

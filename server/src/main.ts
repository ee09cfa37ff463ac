import { pino } from "pino";
import { loadConfigOrExit } from "./config.ts";
import { openMigratedDatabase } from "./db/migrations.ts";

const config = loadConfigOrExit();
const startLog = pino({ level: config.logLevel });
// With REDIS_URL set, Parley needs Redis: say so at once, before anything else starts.
if (config.redisUrl) {
  const { redisUnreachable } = await import("./redis.ts");
  const problem = await redisUnreachable(config.redisUrl);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
// The database opens (PGlite in its worker thread) while the app's modules load: a restart
// takes the longer of the two, not their sum.
const opening = openMigratedDatabase(config.database, (line) => startLog.info(line));
const { buildApp } = await import("./app.ts");
const db = await opening;
const app = await buildApp({ config, db }).catch(async (error: unknown) => {
  // REDIS_URL set and Redis away (redis.ts): one line, not a stack.
  if (!(error instanceof Error && error.name === "RedisUnavailable")) throw error;
  console.error(error.message);
  await db.$disconnect();
  process.exit(1);
});
await app.listen({ host: config.host, port: config.port });
app.log.info(`Parley is ready at ${config.publicUrl}`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, "shutting down");
  await app.close();
  // Closing the database cleanly matters for PGlite: it checkpoints and leaves no recovery.
  await db.$disconnect();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

import { pino } from "pino";
import { buildApp } from "./app.ts";
import { loadConfigOrExit } from "./config.ts";
import { openMigratedDatabase } from "./db/migrations.ts";

const config = loadConfigOrExit();
const startLog = pino({ level: config.logLevel });
const db = await openMigratedDatabase(config.database, (line) => startLog.info(line));
const app = await buildApp({ config, db });
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

// `pnpm start`: builds what changed since the last build (build.ts), then runs the server
// (main.ts), in one process so that a restart with nothing to build is quick.
import { pino } from "pino";
import { build, buildTargets } from "./build.ts";
import { loadConfigOrExit } from "./config.ts";
import { pgliteExists, prestartPGlite } from "./db/pglite.ts";

const config = loadConfigOrExit();
const log = pino({ level: config.logLevel });
// PGlite opens in its worker thread while this one builds and loads the server.
if (config.database.kind === "pglite" && pgliteExists(config.database.dir)) {
  prestartPGlite(config.database.dir);
}
await build(buildTargets(config.webDistDir), { force: false, log: (line) => log.info(line) });
// Imported only now: the server needs the Prisma client just built.
await import("./main.ts");

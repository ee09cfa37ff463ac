// Builds what the server needs from sources: the Prisma client (from prisma/schema.prisma) and
// the web app (from web/ and shared/). `pnpm build` builds both; `pnpm start` (start.ts) builds
// only what changed since the last build, known by a hash of its sources kept beside the output.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { loadConfigOrExit, ROOT_DIR } from "./config.ts";

interface Target {
  /** What is built, in the log's words. */
  name: string;
  /** The files it is built from (directories: everything in them but dependencies). */
  sources: string[];
  /** The hash of the sources of the last build, written after it succeeds. */
  stampFile: string;
  /** Said when it is up to date. */
  unchanged: string;
  build(): Promise<void>;
}

/** Folders that are not sources: dependencies, outputs, tests. */
const SKIPPED = new Set(["node_modules", "dist", "test"]);

function listFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith(".") && !SKIPPED.has(entry.name))
    .flatMap((entry) => listFiles(join(path, entry.name)));
}

/** A hash of the files' paths and contents: changes when any source does. */
export function sourceHash(sources: string[]): string {
  const hash = createHash("sha256");
  for (const file of sources.flatMap(listFiles).sort()) {
    hash.update(`${relative(ROOT_DIR, file)}\0`);
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

function run(command: string[], cwd = ROOT_DIR): Promise<void> {
  const [file = "", ...args] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command.join(" ")} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** The Prisma client (server/src/db/generated) and the web app (WEB_DIST_DIR). */
export function buildTargets(webDistDir: string): Target[] {
  const generated = join(ROOT_DIR, "server", "src", "db", "generated");
  const web = join(ROOT_DIR, "web");
  return [
    {
      name: "Prisma client",
      // The Prisma version is in the lockfile.
      sources: [join(ROOT_DIR, "prisma", "schema.prisma"), join(ROOT_DIR, "pnpm-lock.yaml")],
      stampFile: join(generated, ".source-hash"),
      unchanged: "Prisma client unchanged since the schema's last build, not regenerating",
      build: () =>
        run([process.execPath, join(ROOT_DIR, "node_modules/prisma/build/index.js"), "generate"]),
    },
    {
      name: "web app",
      sources: [
        web,
        join(ROOT_DIR, "shared"),
        join(ROOT_DIR, "pnpm-lock.yaml"),
        join(ROOT_DIR, "tsconfig.base.json"),
      ],
      stampFile: join(webDistDir, ".source-hash"),
      unchanged: "web app unchanged since last build, not rebuilding",
      build: () =>
        run(
          [
            process.execPath,
            join(web, "node_modules/vite/bin/vite.js"),
            "build",
            "--outDir",
            webDistDir,
            "--emptyOutDir",
          ],
          web,
        ),
    },
  ];
}

/** Builds the targets whose sources changed since their last build (all of them with `force`). */
export async function build(
  targets: Target[],
  options: { force: boolean; log: (line: string) => void },
) {
  await Promise.all(
    targets.map(async (target) => {
      const hash = sourceHash(target.sources);
      const stamp = existsSync(target.stampFile) ? readFileSync(target.stampFile, "utf8") : "";
      if (!options.force && stamp === hash) {
        options.log(target.unchanged);
        return;
      }
      await target.build();
      writeFileSync(target.stampFile, hash);
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // `pnpm build`: everything, whatever the stamps say (CI starts from a clean clone).
  const config = loadConfigOrExit();
  const log = pino({ level: config.logLevel });
  await build(buildTargets(config.webDistDir), {
    force: true,
    log: (line) => log.info(line),
  });
}

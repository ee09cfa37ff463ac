// `pnpm bench restart` (issue 11, item 6): how long `pnpm start` takes, in a given checkout,
// until /healthz answers. Several runs on one temporary DATA_DIR (PGlite) and a free PORT: the
// first run starts from nothing, the others restart an unchanged checkout, which is what the
// issue bounds. Only the measurement: the checkout is not changed beyond what `pnpm start` does.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../server/test/helpers/ports.ts";
import { now } from "./clock.ts";
import { formatJson } from "./json.ts";

const USAGE = `Usage: pnpm bench restart [flags]
  --dir PATH      the checkout to start (this one)
  --runs N        starts, the first on an empty DATA_DIR (4)
  --timeout S     give up on a start after this long (300)
  --out FILE      JSON results (bench/results/restart-latest.json)`;

interface Run {
  /** Spawn → /healthz answered 200. */
  healthyMs: number | null;
  loadAverage: number;
  /** Every output line, with ms since the spawn. */
  lines: { atMs: number; text: string }[];
}

async function startOnce(
  dir: string,
  env: NodeJS.ProcessEnv,
  port: number,
  timeoutMs: number,
): Promise<Run> {
  const loadAverage = loadavg()[0] ?? 0;
  const start = now();
  // Its own process group, so the whole tree (npx, pnpm, tsx, node) stops together.
  const child: ChildProcess = spawn("npx", ["-y", "pnpm@10", "start"], {
    cwd: dir,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const lines: Run["lines"] = [];
  const collect = (chunk: Buffer) => {
    for (const text of chunk.toString().split("\n")) {
      if (text.trim() !== "")
        lines.push({ atMs: Math.round(now() - start), text: text.slice(0, 300) });
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  let healthyMs: number | null = null;
  while (now() - start < timeoutMs && child.exitCode === null) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
        signal: AbortSignal.timeout(1_000),
      });
      if (response.ok) {
        healthyMs = now() - start;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (child.exitCode === null && child.pid !== undefined) {
    process.kill(-child.pid, "SIGTERM");
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, 20_000);
    await exited;
    clearTimeout(timer);
  }
  return { healthyMs, loadAverage, lines };
}

export async function runRestartBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      dir: { type: "string", default: resolve(new URL("..", import.meta.url).pathname) },
      runs: { type: "string", default: "4" },
      timeout: { type: "string", default: "300" },
      out: {
        type: "string",
        default: new URL("./results/restart-latest.json", import.meta.url).pathname,
      },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return console.log(USAGE);
  const runs = Number(values.runs);
  const timeoutMs = Number(values.timeout) * 1000;
  if (!Number.isInteger(runs) || runs < 1 || !(timeoutMs > 0))
    throw new Error(`bad flags\n${USAGE}`);
  const dir = resolve(values.dir);
  const dataDir = mkdtempSync(join(tmpdir(), "parley-restart-"));
  const port = await freePort();
  // PGlite in the temporary DATA_DIR, whatever database this shell points at.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: "127.0.0.1",
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;

  const results: Run[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const run = await startOnce(dir, env, port, timeoutMs);
      results.push(run);
      const took =
        run.healthyMs === null ? "did not answer" : `${(run.healthyMs / 1000).toFixed(1)} s`;
      console.error(`[bench restart] run ${i + 1}${i === 0 ? " (empty DATA_DIR)" : ""}: ${took}`);
      if (run.healthyMs === null) {
        console.error(
          run.lines
            .slice(-15)
            .map((line) => `  ${line.text}`)
            .join("\n"),
        );
        break;
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const restarts = results
    .slice(1)
    .flatMap((run) => (run.healthyMs === null ? [] : [run.healthyMs]));
  const sorted = [...restarts].sort((a, b) => a - b);
  const median = sorted.length > 0 ? (sorted[Math.floor((sorted.length - 1) / 2)] ?? null) : null;
  const s = (value: number | null | undefined) =>
    value == null ? "-" : `${(value / 1000).toFixed(1)} s`;
  const last = results.at(-1);
  console.log(
    [
      `Restart: \`npx -y pnpm@10 start\` in ${dir} until /healthz answers (${availableParallelism()} cores)`,
      `  first start (empty DATA_DIR): ${s(results[0]?.healthyMs)} (load ${results[0]?.loadAverage.toFixed(1)})`,
      `  restarts of the unchanged checkout: ${restarts.map((ms) => s(ms)).join(", ") || "-"}; median ${s(median)} (load ${results
        .slice(1)
        .map((run) => run.loadAverage.toFixed(1))
        .join(", ")})`,
      ...(last
        ? [
            "  last run's output (ms since spawn; npm warnings and built assets left out):",
            ...last.lines
              .filter((line) => !/^\s*(npm warn|dist\/)/.test(line.text))
              .slice(-40)
              .map((line) => `    ${String(line.atMs).padStart(6)}  ${line.text.slice(0, 110)}`),
          ]
        : []),
    ].join("\n"),
  );
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(
    values.out,
    formatJson({
      date: new Date().toISOString(),
      dir,
      cores: availableParallelism(),
      medianRestartMs: median,
      runs: results,
    }),
  );
  console.log(`JSON: ${values.out}`);
}

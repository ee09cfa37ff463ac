// A real nginx in front of Parley instances (or any HTTP servers), configured from the
// checked-in deploy/nginx/parley.conf: round-robin, no sticky sessions, SSE unbuffered. It runs
// as the current user with its pid file, logs and temporary files in a temporary directory.

import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT_DIR } from "../../src/config.ts";
import { freePort } from "./ports.ts";

export const NGINX_BINARY = "/usr/sbin/nginx";
export const NGINX_TEMPLATE = join(ROOT_DIR, "deploy", "nginx", "parley.conf");

export interface Nginx {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  port: number;
  /** The configuration nginx runs with (the template filled in), for test failure messages. */
  config: string;
  /** Stops nginx (open streams are cut) and removes its directory. */
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** The servers behind it, as `host:port` (e.g. `127.0.0.1:3001`), taken in turn. */
  servers: string[];
  /** Where it listens on 127.0.0.1; a free port when omitted. */
  port?: number;
  /** How long to wait for it to answer (ms). */
  startTimeoutMs?: number;
}

/** The template with its placeholders filled in. */
export async function nginxServerConfig(servers: string[], listen: string): Promise<string> {
  if (servers.length === 0) throw new Error("nginx needs at least one server behind it");
  const template = await readFile(NGINX_TEMPLATE, "utf8");
  return template
    .replaceAll("{{SERVERS}}", servers.map((server) => `    server ${server};`).join("\n"))
    .replaceAll("{{LISTEN}}", listen);
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), "parley-nginx-"));
  // As root, nginx's workers run as `nobody`: they must reach their temporary directories.
  await chmod(dir, 0o755);
  const config = await nginxServerConfig(options.servers, `127.0.0.1:${port}`);
  await writeFile(join(dir, "parley.conf"), config);
  await writeFile(
    join(dir, "nginx.conf"),
    [
      "worker_processes 1;",
      `pid ${join(dir, "nginx.pid")};`,
      `error_log ${join(dir, "error.log")} warn;`,
      // Each proxied stream holds two connections; the benchmark opens thousands.
      "worker_rlimit_nofile 20000;",
      "events { worker_connections 9000; }",
      "http {",
      "  access_log off;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
        (kind) => `  ${kind}_temp_path ${join(dir, kind)};`,
      ),
      `  include ${join(dir, "parley.conf")};`,
      "}",
      "",
    ].join("\n"),
  );

  const nginx: ChildProcess = spawn(
    NGINX_BINARY,
    [
      "-p",
      `${dir}/`,
      "-c",
      join(dir, "nginx.conf"),
      "-e",
      join(dir, "error.log"),
      "-g",
      "daemon off;",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  nginx.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => nginx.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (nginx.exitCode === null && nginx.signalCode === null) {
      nginx.kill("SIGTERM"); // fast shutdown: open connections are closed
      const timer = setTimeout(() => nginx.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  // Ready when it answers anything: a 502 still means nginx is up (its servers may not be).
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  for (;;) {
    if (nginx.exitCode !== null || nginx.signalCode !== null) {
      const log = await readFile(join(dir, "error.log"), "utf8").catch(() => "");
      await stop();
      throw new Error(`nginx exited at start: ${stderr}${log}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `nginx did not answer at ${url} within ${options.startTimeoutMs ?? 10_000} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { url, port, config, stop };
}

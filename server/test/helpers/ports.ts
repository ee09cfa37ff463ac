import { readFileSync } from "node:fs";
import { createServer } from "node:net";

// A port picked by listening on port 0 and closing comes from the kernel's ephemeral range, where
// the next outgoing connection (a database, Redis, fetch) or another test's listener may take it
// before the server meant for it binds (CI once saw EADDRINUSE that way). Ports just below that
// range are handed out by nobody; a random one that binds now is as good as free.

/** The kernel's ephemeral ports start here (Linux's default when it cannot be read). */
function ephemeralStart(): number {
  try {
    const [start] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").split(/\s+/);
    const port = Number(start);
    return Number.isInteger(port) && port > 12_000 ? port : 32_768;
  } catch {
    return 32_768;
  }
}

const HIGHEST = ephemeralStart() - 1;
const LOWEST = HIGHEST - 10_000;

function bindsNow(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** A port nothing listens on, for a server whose URL must be known before it starts. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1));
    if (await bindsNow(port)) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${HIGHEST}`);
}

/** `count` different free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

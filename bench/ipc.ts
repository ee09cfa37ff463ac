// A few request/response calls between the benchmark and its child processes (the mock upstream
// and Parley), over Node's IPC channel.

import { type ChildProcess, fork } from "node:child_process";

interface Request {
  id: number;
  type: string;
  payload: unknown;
}

type Reply = { id: number; ok: true; data: unknown } | { id: number; ok: false; error: string };
type Ready = { ready: unknown } | { failed: string };

export interface ChildHandle<Hello> {
  hello: Hello;
  call<T>(type: string, payload?: unknown): Promise<T>;
  /** Asks the child to exit and waits for it (kills it after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Forks `file` (a TypeScript module: the tsx loader comes along in execArgv) and waits until it
 * says it is ready, at most `timeoutMs`.
 */
export async function startChild<Hello>(
  file: URL,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ChildHandle<Hello>> {
  const child: ChildProcess = fork(file, [], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<
    number,
    { resolve: (data: unknown) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => {
    for (const { reject } of pending.values()) reject(new Error(`${file.pathname} exited`));
    pending.clear();
  });

  const hello = await new Promise<Hello>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${file.pathname} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${file.pathname} exited (${code}) before it was ready`));
    });
    child.once("message", (message: Ready) => {
      clearTimeout(timer);
      if ("ready" in message) resolve(message.ready as Hello);
      else reject(new Error(`${file.pathname} failed to start: ${message.failed}`));
    });
  });
  child.on("message", (message: Reply) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.data);
    else waiter.reject(new Error(message.error));
  });

  return {
    hello,
    call<T>(type: string, payload?: unknown) {
      return new Promise<T>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (data: unknown) => void, reject });
        child.send({ id, type, payload } satisfies Request);
      });
    },
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.send({ id: 0, type: "exit", payload: null } satisfies Request);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The child's side: announces `hello` once `setup` resolves, then answers calls. "exit" runs
 * `close` and ends the process; so does the parent going away.
 */
export async function serveParent(
  setup: () => Promise<{
    hello: unknown;
    handlers: Record<string, (payload: unknown) => unknown>;
    close: () => Promise<void>;
  }>,
): Promise<void> {
  const send = (message: Ready | Reply) => process.send?.(message);
  let served: Awaited<ReturnType<typeof setup>>;
  try {
    served = await setup();
  } catch (error) {
    send({ failed: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
  const exit = async () => {
    await served.close().catch(() => {});
    process.exit(0);
  };
  process.on("disconnect", () => void exit());
  process.on("message", async (request: Request) => {
    if (request.type === "exit") return void exit();
    const handler = served.handlers[request.type];
    try {
      if (!handler) throw new Error(`unknown call ${request.type}`);
      send({ id: request.id, ok: true, data: await handler(request.payload) });
    } catch (error) {
      send({ id: request.id, ok: false, error: String(error) });
    }
  });
  send({ ready: served.hello });
}

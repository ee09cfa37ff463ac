// The connection to a model provider under trouble: a request whose connection failed before
// any answer came back is sent once more; anything that got an answer is never sent again.

import { createServer, type Server, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMockUpstream,
  listenMockUpstream,
  type MockUpstreamServer,
} from "../src/llm/mock/index.ts";
import { type ChatServer, readStream, startChatServer, textOf } from "./helpers/session.ts";

/**
 * A TCP relay to the mock upstream that can break connections, kept alive or new: the next
 * `resetBeforeAnswer` requests have their connection reset as soon as they arrive (a server
 * closing a kept-alive socket); with `resetAfterBytes`, the next request's connection is reset
 * once that much of its answer has passed.
 */
function flakyRelay(target: URL) {
  const plan = { resetBeforeAnswer: 0, resetAfterBytes: undefined as number | undefined };
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    const upstream = new Socket();
    upstream.on("error", () => client.destroy());
    upstream.connect(Number(target.port), target.hostname);
    let cutAfter: number | undefined;
    let passed = 0;
    client.on("data", (chunk: Buffer) => {
      // A chunk that starts with a method starts a request.
      if (/^(GET|POST) /.test(chunk.toString("latin1", 0, 5))) {
        requests += 1;
        if (plan.resetBeforeAnswer > 0) {
          plan.resetBeforeAnswer -= 1;
          upstream.destroy();
          client.resetAndDestroy();
          return;
        }
        cutAfter = plan.resetAfterBytes;
        plan.resetAfterBytes = undefined;
        passed = 0;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      passed += chunk.length;
      client.write(chunk);
      if (cutAfter !== undefined && passed >= cutAfter) {
        upstream.destroy();
        client.resetAndDestroy();
      }
    });
    upstream.on("end", () => client.end());
  });
  return {
    plan,
    requests: () => requests,
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, "127.0.0.1", () => {
          const address = server.address();
          if (!address || typeof address === "string") throw new Error("no address");
          resolve(`http://127.0.0.1:${address.port}/v1`);
        }),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("a provider whose connections break", () => {
  const mock = createMockUpstream({ defaultTokenDelayMs: 1, defaultTokens: 12 });
  let upstream: MockUpstreamServer;
  let relay: ReturnType<typeof flakyRelay>;
  let server: ChatServer;

  beforeAll(async () => {
    upstream = await listenMockUpstream(mock);
    relay = flakyRelay(new URL(upstream.baseURL));
    const baseURL = await relay.listen();
    server = await startChatServer({
      env: { MODELS: JSON.stringify([{ id: "flaky", upstreamModel: "parley-demo", baseURL }]) },
      // Real sockets on a busy machine: not a test of timeouts.
      chat: { idleTimeoutMs: 10_000 },
    });
  });
  afterAll(async () => {
    await server?.close();
    await relay?.close();
    await upstream?.close();
  });

  async function ask(content: string) {
    const client = server.newOwner();
    const { conversationId } = await client.conversations.create.mutate({ model: "flaky" });
    // Titled already: the answer is the only request.
    await client.conversations.update.mutate({ id: conversationId, title: "Flaky" });
    mock.clear();
    const sent = await client.messages.send.mutate({ conversationId, content });
    const { events } = await readStream(client, { generationId: sent.generationId });
    return { events, last: events.at(-1)?.event };
  }

  it("sends a request once more when its connection was reset before any answer", async () => {
    relay.plan.resetBeforeAnswer = 1;
    const before = relay.requests();
    const { events, last } = await ask("[[mock tokens=8]] Hello");
    expect(last).toMatchObject({ type: "final", interrupted: false });
    expect(textOf(events)).not.toBe("");
    // Sent twice: reset, then answered; the provider saw it once.
    expect(relay.requests() - before).toBe(2);
    expect(mock.requests).toHaveLength(1);
  });

  it("never sends again a request that was answered with an error", async () => {
    const before = relay.requests();
    const { last } = await ask("[[mock fail=before status=503]] Fail");
    expect(last).toMatchObject({ type: "error", code: "upstream" });
    expect(relay.requests() - before).toBe(1);
    expect(mock.requests).toHaveLength(1);
  });

  it("never sends again a request whose answer broke after its first bytes", async () => {
    relay.plan.resetAfterBytes = 400;
    const before = relay.requests();
    const { last } = await ask("[[mock tokens=200 delay=2]] Break");
    expect(last).toMatchObject({ type: "error", code: "upstream" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(relay.requests() - before).toBe(1);
    expect(mock.requests).toHaveLength(1);
  });

  // Last: a provider that cannot be reached is marked down, and sends to it refused for a while.
  it("gives up after one more try: two refusals make one failed answer", async () => {
    relay.plan.resetBeforeAnswer = 2;
    const before = relay.requests();
    const { last } = await ask("[[mock tokens=8]] Hello again");
    expect(last).toMatchObject({ type: "error", code: "upstream" });
    expect(relay.requests() - before).toBe(2);
    expect(mock.requests).toHaveLength(0);
  });
});

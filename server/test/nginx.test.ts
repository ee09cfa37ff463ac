// The nginx configuration users deploy (deploy/nginx/parley.conf), run by the helper the
// multi-instance tests and `pnpm bench --instances` use, in front of two plain HTTP servers.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Nginx, startNginx } from "./helpers/nginx.ts";

interface Instance {
  name: string;
  server: Server;
  address: string;
  /** The open event stream, waiting for the test to end it. */
  stream?: ServerResponse;
}

async function startInstance(name: string): Promise<Instance> {
  const instance: Instance = { name, server: createServer(), address: "" };
  instance.server.on("request", (request, response) => {
    if (request.url === "/events") {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: first\n\n");
      instance.stream = response;
      return;
    }
    response.end(name);
  });
  await new Promise<void>((resolve) => instance.server.listen(0, "127.0.0.1", resolve));
  instance.address = `127.0.0.1:${(instance.server.address() as AddressInfo).port}`;
  return instance;
}

describe("nginx in front of several instances", () => {
  let instances: Instance[];
  let nginx: Nginx;

  beforeAll(async () => {
    instances = [await startInstance("a"), await startInstance("b")];
    nginx = await startNginx({ servers: instances.map((instance) => instance.address) });
  });

  afterAll(async () => {
    await nginx?.stop();
    for (const instance of instances ?? []) {
      instance.server.closeAllConnections();
      instance.server.close();
    }
  });

  it("sends requests to each instance in turn, with no stickiness", async () => {
    const names: string[] = [];
    for (let i = 0; i < 4; i++) names.push(await (await fetch(nginx.url)).text());
    expect(names.slice().sort()).toEqual(["a", "a", "b", "b"]);
    expect(names[0]).not.toBe(names[1]);
  });

  it("passes an event on before the stream writes anything else", async () => {
    const response = await fetch(`${nginx.url}/events`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    // A buffering proxy would hold "first" until the server writes more: nothing is released
    // before the client has read it.
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("data: first\n\n");
    for (const instance of instances) instance.stream?.end("data: second\n\n");
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toBe("data: second\n\n");
  });
});

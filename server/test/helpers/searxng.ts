// A fake SearXNG instance: its JSON search API, answering each query with made-up results.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A fake SearXNG: `/search?q=…&format=json` answers two results per query. */
export async function startFakeSearxng() {
  const queries: string[] = [];
  const http: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/search" || url.searchParams.get("format") !== "json") {
      res.writeHead(404).end();
      return;
    }
    const q = url.searchParams.get("q") ?? "";
    queries.push(q);
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        query: q,
        number_of_results: 2,
        results: [1, 2].map((n) => ({
          url: `https://example.org/${encodeURIComponent(q)}/${n}`,
          title: `${q} result ${n}`,
          content: `Snippet ${n} about ${q}.`,
          engine: "fake",
        })),
      }),
    );
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

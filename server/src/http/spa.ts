import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/**
 * Serves the built SPA from `dir` with a history fallback: any other GET that accepts HTML gets
 * index.html, so deep links and reloads work. API paths keep their JSON 404s.
 */
export async function registerSpa(app: FastifyInstance, dir: string) {
  const built = existsSync(join(dir, "index.html"));
  if (built) {
    await app.register(fastifyStatic, { root: dir, wildcard: false, index: "index.html" });
  }
  app.setNotFoundHandler((request, reply) => {
    const isApi = /^\/(trpc|api|files|imports|auth|healthz|metrics)(\/|$)/.test(request.url);
    const wantsHtml = request.headers.accept?.includes("text/html") ?? false;
    if (request.method !== "GET" || isApi || !wantsHtml) {
      return reply.code(404).send({ error: "Not Found", path: request.url });
    }
    if (!built) {
      return reply
        .code(503)
        .type("text/plain")
        .send(`The web app is not built (no ${dir}/index.html). Run: pnpm build`);
    }
    return reply.type("text/html").sendFile("index.html");
  });
}

import { existsSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { ROOT_DIR } from "../config.ts";

/** Vite names every file under assets/ by a hash of its content: a new build, a new name. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** index.html and the rest may change with any build: always revalidated (their ETag is cheap). */
const REVALIDATE = "no-cache";

/**
 * Serves the built SPA from `dir` with a history fallback: any other GET that accepts HTML gets
 * index.html, so deep links and reloads work. API paths keep their JSON 404s.
 */
export async function registerSpa(app: FastifyInstance, dir: string) {
  const built = existsSync(join(dir, "index.html"));
  if (built) {
    await app.register(fastifyStatic, {
      root: dir,
      wildcard: false,
      index: "index.html",
      cacheControl: false,
      setHeaders(reply, path) {
        const hashed = relative(dir, path).startsWith(`assets${sep}`);
        reply.header("cache-control", hashed ? IMMUTABLE : REVALIDATE);
      },
    });
  }
  // The demo model links to the README's provider section; serve it, as text, to whoever runs it.
  const readme = join(ROOT_DIR, "README.md");
  if (existsSync(readme)) {
    const text = readFileSync(readme, "utf8");
    app.get("/README.md", (_request, reply) =>
      reply.type("text/plain; charset=utf-8").header("cache-control", REVALIDATE).send(text),
    );
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

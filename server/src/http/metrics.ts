// GET /metrics (Prometheus text format), and the HTTP request metric every route feeds.

import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Metrics } from "../metrics/index.ts";

/**
 * Call first in buildApp, so every route is measured. Labels are the route's template
 * (`/files/:sha256`), never the URL, so ids in paths do not make a series each.
 */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics) {
  app.addHook("onResponse", async (request, reply) => {
    metrics.httpRequest(
      {
        route: request.routeOptions.url ?? "(unmatched)",
        method: request.method,
        status: reply.statusCode,
      },
      reply.elapsedTime / 1000,
    );
  });
}

/**
 * With METRICS_TOKEN, readers send it as a bearer token; without, only this machine may read
 * (a loopback address, and not a request relayed by a local proxy, which would look loopback).
 */
export function registerMetrics(
  app: FastifyInstance,
  deps: { metrics: Metrics; token: string | undefined },
) {
  const { metrics, token } = deps;
  app.get("/metrics", async (request, reply) => {
    reply.header("cache-control", "no-store");
    if (token !== undefined) {
      if (!hasToken(request, token)) {
        return reply
          .code(401)
          .header("www-authenticate", 'Bearer realm="metrics"')
          .send({ error: "Unauthorized", message: "Send Authorization: Bearer <METRICS_TOKEN>." });
      }
    } else if (!fromThisMachine(request)) {
      return reply.code(403).send({
        error: "Forbidden",
        message: "Metrics are readable from this machine only, unless METRICS_TOKEN is set.",
      });
    }
    return reply.type(metrics.contentType).send(await metrics.text());
  });
}

function hasToken(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization ?? "";
  const sent = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
  // Equal-length digests: the comparison takes the same time whatever was sent.
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(sent), digest(token));
}

const RELAY_HEADERS = ["forwarded", "x-forwarded-for", "x-real-ip"];

function fromThisMachine(request: FastifyRequest): boolean {
  if (RELAY_HEADERS.some((name) => request.headers[name] !== undefined)) return false;
  const address = request.socket.remoteAddress ?? "";
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

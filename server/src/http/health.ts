import type { FastifyInstance } from "fastify";
import type { Db } from "../db/client.ts";

/** GET /healthz: 200 when the database answers, 503 otherwise. */
export function registerHealth(app: FastifyInstance, db: Db) {
  app.get("/healthz", async (request, reply) => {
    try {
      await db.$queryRaw`SELECT 1`;
      return { status: "ok" };
    } catch (error) {
      request.log.error({ err: error }, "health check: database unreachable");
      return reply.code(503).send({ status: "unavailable", reason: "database" });
    }
  });
}

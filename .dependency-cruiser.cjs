// Import rules checked in lint (pnpm check:deps): no cycles anywhere, and the domain knows
// nothing of the transports (tRPC, Fastify), which convert its errors and shapes at the edge.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "A cycle makes load order matter and hides which module owns what: pass it in instead.",
      from: {},
      to: { circular: true },
    },
    {
      name: "domain-without-transport",
      severity: "error",
      comment:
        "The domain throws errors.ts's DomainError and logs through log.ts; trpc/ and http/ translate.",
      from: { path: "^server/src/(chat|auth|files|limits|llm|tools)/" },
      to: { path: "(^|/)node_modules/(@trpc/server|fastify)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Prisma's generated client is not ours to arrange.
    exclude: { path: "^server/src/db/generated/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};

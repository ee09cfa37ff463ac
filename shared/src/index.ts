export * from "./auth.ts";
export * from "./models.ts";

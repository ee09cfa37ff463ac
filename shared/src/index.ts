export * from "./auth.ts";
export * from "./chat.ts";
export * from "./models.ts";
export * from "./settings.ts";

export * from "./auth.ts";
export * from "./chat.ts";
export * from "./exchange.ts";
export * from "./files.ts";
export * from "./models.ts";
export * from "./panel.ts";
export * from "./settings.ts";
export * from "./shares.ts";

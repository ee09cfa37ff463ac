import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, ROOT_DIR, SETTING_NAMES } from "../src/config.ts";

describe("configuration", () => {
  it("runs with no settings at all: PGlite under ./data, port 3000, demo mode", () => {
    const config = parseConfig({});
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe("http://localhost:3000");
    expect(config.database).toEqual({ kind: "pglite", dir: join(ROOT_DIR, "data", "pglite") });
    expect(config.filesDir).toBe(join(ROOT_DIR, "data", "files"));
    expect(config.models).toBeUndefined();
    expect(config.openai).toEqual({ apiKey: undefined, baseURL: undefined });
  });

  it("uses PostgreSQL when DATABASE_URL is a postgres URL, and treats empty values as unset", () => {
    const config = parseConfig({ DATABASE_URL: "postgresql://u@db:5432/parley", REDIS_URL: "" });
    expect(config.database).toEqual({
      kind: "postgres",
      url: "postgresql://u@db:5432/parley",
      poolSize: 10,
    });
    expect(config.redisUrl).toBeUndefined();
  });

  it("sizes the PostgreSQL connection pool from DATABASE_POOL_SIZE", () => {
    const config = parseConfig({
      DATABASE_URL: "postgresql://u@db/parley",
      DATABASE_POOL_SIZE: "4",
    });
    expect(config.database).toMatchObject({ kind: "postgres", poolSize: 4 });
    expect(() => parseConfig({ DATABASE_POOL_SIZE: "0" })).toThrow(
      'DATABASE_POOL_SIZE: expected a whole number of connections (at least 1); got "0"',
    );
  });

  it("parses MODELS as JSON with defaults for capabilities and parameters", () => {
    const config = parseConfig({
      MODELS: JSON.stringify([{ id: "llama3", baseURL: "http://127.0.0.1:11434/v1" }]),
    });
    expect(config.models).toEqual([
      {
        id: "llama3",
        baseURL: "http://127.0.0.1:11434/v1",
        capabilities: { vision: false, reasoning: false, tools: false },
        parameters: {},
      },
    ]);
  });

  it.each([
    ["PORT", "abc", 'PORT: expected a port number (0-65535); got "abc"'],
    ["DATABASE_URL", "mysql://x", "DATABASE_URL: expected a postgres:// or postgresql:// URL"],
    ["REDIS_URL", "http://x", "REDIS_URL: expected a redis:// or rediss:// URL"],
    ["MODELS", "[{", "MODELS: expected a JSON array of models"],
    ["LOG_LEVEL", "loud", "LOG_LEVEL: expected"],
  ])("rejects %s=%s with one line naming the variable", (name, value, message) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(message);
  });

  it("documents every setting in .env.example, and .env.example parses as is", () => {
    const text = readFileSync(join(ROOT_DIR, ".env.example"), "utf8");
    const entries = text
      .split("\n")
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split("=", 2) as [string, string]);
    expect(entries.map(([name]) => name).sort()).toEqual([...SETTING_NAMES].sort());
    expect(() => parseConfig(Object.fromEntries(entries))).not.toThrow();
  });

  it("exits with code 1 and one line naming the variable when started with a bad value", () => {
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", join(ROOT_DIR, "server/src/main.ts")],
      { env: { ...process.env, PORT: "not-a-port" }, encoding: "utf8", timeout: 30_000 },
    );
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toEqual([
      'Invalid configuration: PORT: expected a port number (0-65535); got "not-a-port"',
    ]);
  });
});

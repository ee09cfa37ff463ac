import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CHAT_API_LIMITS,
  FILE_LIMITS,
  IMPORT_LIMITS,
  McpServersConfig,
  ModelCapabilities,
  ModelParameters,
} from "@parley/shared";
import { z } from "zod";

/** The repository root: relative paths in settings are resolved against it, whatever the cwd. */
export const ROOT_DIR = fileURLToPath(new URL("../../", import.meta.url));

const PostgresUrl = z.url({ protocol: /^postgres(ql)?$/ });
const RedisUrl = z.url({ protocol: /^rediss?$/ });

/** One configured model: what clients see plus where and how to call it. */
export const ModelConfig = z.strictObject({
  id: z.string().min(1),
  name: z.string().optional(),
  description: z.string().optional(),
  /** The model name sent upstream, when it differs from `id`. */
  upstreamModel: z.string().optional(),
  baseURL: z.url().optional(),
  apiKey: z.string().optional(),
  /** "responses" for OpenAI's Responses API, "chat" for any Chat Completions endpoint. */
  api: z.enum(["responses", "chat"]).optional(),
  /** Who serves it ("openai" unless set): its raw stream is at POST /api/chat-<provider>. */
  provider: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "lowercase letters, digits and -")
    .optional(),
  capabilities: ModelCapabilities.default({ vision: false, reasoning: false, tools: false }),
  parameters: ModelParameters.default({}),
});
export type ModelConfig = z.infer<typeof ModelConfig>;

const JsonModels = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "not valid JSON" });
      return z.NEVER;
    }
  })
  .pipe(z.array(ModelConfig).min(1));

const JsonMcpServers = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "not valid JSON" });
      return z.NEVER;
    }
  })
  .pipe(McpServersConfig);

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(emptyAsUndefined, schema.optional());

const Bool = z.preprocess(
  (value) => (value === "" ? undefined : value),
  z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1"),
);
const Count = z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0));
const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
const EmailList = z
  .string()
  .optional()
  .transform((value) => list(value).map((email) => email.toLowerCase()))
  .pipe(z.array(z.email()));
const DomainList = z
  .string()
  .optional()
  .transform((value) => list(value).map((domain) => domain.toLowerCase().replace(/^@/, "")));
const UrlList = z.string().optional().transform(list).pipe(z.array(z.url()));

// Each variable's description is what a wrong value is told it should have been.

const EnvSchema = z.object({
  NODE_ENV: z
    .enum(["development", "production", "test"])
    .default("production")
    .describe("development, production or test"),
  HOST: z.string().min(1).default("localhost").describe("a host name or address to listen on"),
  PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(3000)
    .describe("a port number (0-65535)"),
  PUBLIC_URL: optional(z.url()).describe("an http(s) URL"),
  DATA_DIR: z.string().min(1).default("data").describe("a directory path"),
  FILES_DIR: optional(z.string().min(1)).describe("a directory path"),
  UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(FILE_LIMITS.maxBytes)
    .describe("a whole number of bytes (at least 1)"),
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(IMPORT_LIMITS.uploadBytes)
    .describe("a whole number of bytes (at least 1)"),
  UPLOAD_QUOTA_BYTES: Count.default(1024 * 1024 * 1024).describe(
    "a whole number of bytes (0 = no quota)",
  ),
  UPLOAD_GRACE_HOURS: Count.default(24).describe("a whole number of hours"),
  DATABASE_URL: optional(PostgresUrl).describe("a postgres:// or postgresql:// URL"),
  DATABASE_POOL_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .default(10)
    .describe("a whole number of connections (at least 1)"),
  REDIS_URL: optional(RedisUrl).describe("a redis:// or rediss:// URL"),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/)
    .default("parley")
    .describe("1 to 64 letters, digits, _ : . or -"),
  OPENAI_API_KEY: optional(z.string()).describe("an API key"),
  OPENAI_BASE_URL: optional(z.url()).describe("an http(s) URL"),
  MODELS: optional(JsonModels).describe("a JSON array of models (see .env.example)"),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info")
    .describe("one of fatal, error, warn, info, debug, trace, silent"),
  WEB_DIST_DIR: z.string().min(1).default("web/dist").describe("a directory path"),
  PANEL: z.enum(["admin", "open"]).default("admin").describe("admin or open"),
  TRUST_PROXY: optional(
    z.union([
      z.enum(["true"]).transform(() => true as const),
      z.coerce.number().int().min(1).max(10),
      z.string().regex(/^[\d.:a-fA-F/]+(,\s*[\d.:a-fA-F/]+)*$/),
    ]),
  ).describe("true, a number of proxies, or comma-separated proxy addresses or CIDR ranges"),

  // Chat engine
  GENERATION_IDLE_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(120)
    .describe("a whole number of seconds (at least 1)"),
  GENERATION_LOG_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(600)
    .describe("a whole number of seconds (at least 1)"),

  // Tools
  MCP_SERVERS: optional(JsonMcpServers).describe(
    'a JSON object of MCP servers ({"name": {"command", "args"?, "env"?} or {"url", "headers"?}})',
  ),
  GUEST_TOOLS: Bool.default(false).describe("true or false"),
  TOOL_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(60)
    .describe("a whole number of seconds (at least 1)"),
  TOOL_RESULT_MAX_CHARS: z.coerce
    .number()
    .int()
    .min(100)
    .default(20_000)
    .describe("a whole number of characters (at least 100)"),
  TOOL_MAX_ROUNDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(8)
    .describe("a whole number from 1 to 100"),
  SEARXNG_URL: optional(z.url({ protocol: /^https?$/ })).describe("an http(s) URL"),
  PDF_MAX_PAGES: z.coerce
    .number()
    .int()
    .min(1)
    .default(100)
    .describe("a whole number of pages (at least 1)"),

  // Identity
  REQUIRE_LOGIN: Bool.default(false).describe("true or false"),
  ALLOW_SIGNUP: Bool.default(true).describe("true or false"),
  GUEST_MESSAGE_LIMIT: Count.default(20).describe("a whole number (0 = unlimited)"),
  GUEST_RETENTION_DAYS: Count.default(30).describe("a whole number of days (0 = keep forever)"),
  ADMIN_EMAILS: EmailList.describe("a comma-separated list of emails"),
  OIDC_ISSUER: optional(z.url()).describe("the issuer URL of an OpenID Connect provider"),
  OIDC_CLIENT_ID: optional(z.string()).describe("the OIDC client id"),
  OIDC_CLIENT_SECRET: optional(z.string()).describe("the OIDC client secret"),
  OIDC_ALLOWED_DOMAINS: DomainList.describe("a comma-separated list of email domains"),
  ALLOWED_REDIRECT_URLS: UrlList.describe("a comma-separated list of URLs"),

  // Limits
  RATE_LIMIT_MESSAGES_PER_MINUTE: Count.default(20).describe("a whole number (0 = no limit)"),
  RATE_LIMIT_IP_MESSAGES_PER_MINUTE: Count.default(60).describe("a whole number (0 = no limit)"),
  RATE_LIMIT_EXEMPT_EMAILS: EmailList.describe("a comma-separated list of emails"),
  RATE_LIMIT_IP_UPLOADS_PER_MINUTE: Count.default(60).describe("a whole number (0 = no limit)"),
  RATE_LIMIT_MESSAGES_PER_DAY: Count.default(0).describe("a whole number (0 = no limit)"),

  // HTTP chat routes and operations
  CHAT_API_MAX_OUTPUT_TOKENS: z.coerce
    .number()
    .int()
    .min(1)
    .default(CHAT_API_LIMITS.maxOutputTokens)
    .describe("a whole number of tokens (at least 1)"),
  METRICS_TOKEN: optional(z.string().min(16)).describe("a secret of at least 16 characters"),
  RATE_LIMIT_IP_SIGNUPS_PER_HOUR: Count.default(10).describe("a whole number (0 = no limit)"),
  RATE_LIMIT_IP_GUESTS_PER_HOUR: Count.default(30).describe("a whole number (0 = no limit)"),
});

/** Every setting's name (all documented in .env.example). */
export const SETTING_NAMES = Object.keys(EnvSchema.shape);

export type Config = ReturnType<typeof parseConfig>;

export class ConfigError extends Error {}

/** Parses settings from an environment (process.env by default). Throws ConfigError on a bad value. */
export function parseConfig(env: Record<string, string | undefined>) {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    const field = EnvSchema.shape[name as keyof typeof EnvSchema.shape];
    const expected = field?.description ?? "a valid value";
    // A JSON problem inside MODELS says where it is; other values are short enough to echo.
    const detail =
      name === "MODELS" || name === "MCP_SERVERS"
        ? `${issue?.path.slice(1).join(".") || "value"}: ${issue?.message}`
        : `got ${JSON.stringify(env[name])}`;
    throw new ConfigError(`${name}: expected ${expected}; ${detail}`);
  }
  const e = result.data;
  const dataDir = fromRoot(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    dataDir,
    database: e.DATABASE_URL
      ? ({ kind: "postgres", url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE } as const)
      : ({ kind: "pglite", dir: resolve(dataDir, "pglite") } as const),
    /** Uploaded files, by SHA-256 (DATA_DIR/files unless FILES_DIR says otherwise). */
    filesDir: e.FILES_DIR ? fromRoot(e.FILES_DIR) : resolve(dataDir, "files"),
    /** The largest upload accepted (413 above it). */
    uploadMaxBytes: e.UPLOAD_MAX_BYTES,
    /** The largest file POST /imports accepts (413 above it). */
    importMaxBytes: e.IMPORT_MAX_BYTES,
    /** Bytes of uploads one owner may keep; 0 = no quota. */
    uploadQuotaBytes: e.UPLOAD_QUOTA_BYTES,
    /** How long an upload may wait to be attached before a sweep removes it. */
    uploadGraceMs: e.UPLOAD_GRACE_HOURS * 3_600_000,
    redisUrl: e.REDIS_URL,
    /** Separates deployments sharing one Redis: every key and channel starts with it. */
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    openai: { apiKey: e.OPENAI_API_KEY, baseURL: e.OPENAI_BASE_URL },
    models: e.MODELS,
    logLevel: e.LOG_LEVEL,
    webDistDir: fromRoot(e.WEB_DIST_DIR),
    /** Who may use the API panel (/panel) in production: admins only, or everyone. */
    panel: e.PANEL,
    /**
     * Which proxies' X-Forwarded-For to believe (Fastify's trustProxy): behind nginx, the
     * client's address (per-IP limits, logs) is the one nginx saw, not nginx's.
     */
    trustProxy: e.TRUST_PROXY ?? false,
    chat: {
      /** An upstream silent this long (before or between tokens) fails the generation. */
      idleTimeoutMs: e.GENERATION_IDLE_TIMEOUT_SECONDS * 1000,
      /** How long a finished generation's events stay replayable. */
      logTtlMs: e.GENERATION_LOG_TTL_SECONDS * 1000,
    },
    tools: {
      /** MCP servers by name (none when unset). */
      mcpServers: e.MCP_SERVERS ?? {},
      /** Guests may use tools. */
      guests: e.GUEST_TOOLS,
      /** A tool call running longer than this is cancelled and answered with an error. */
      timeoutMs: e.TOOL_TIMEOUT_SECONDS * 1000,
      /** A tool result is cut to this many characters before the model sees it. */
      resultMaxChars: e.TOOL_RESULT_MAX_CHARS,
      /** Rounds of tool calls one answer may make. */
      maxRounds: e.TOOL_MAX_ROUNDS,
      /** The SearXNG instance behind `web.search` (no web search when unset). */
      searxngUrl: e.SEARXNG_URL,
    },
    /** Pages of a PDF read into the prompt (the rest are left out, which the document says). */
    pdfMaxPages: e.PDF_MAX_PAGES,
    identity: {
      requireLogin: e.REQUIRE_LOGIN,
      allowSignup: e.ALLOW_SIGNUP,
      /** Messages a guest may send before signing in; 0 = unlimited, and none with REQUIRE_LOGIN. */
      guestMessageLimit: e.GUEST_MESSAGE_LIMIT,
      /** Guests unseen this long are removed with their data (not their shares); 0 = never. */
      guestRetentionDays: e.GUEST_RETENTION_DAYS,
      adminEmails: e.ADMIN_EMAILS,
      /** Cookies are Secure when people reach Parley over https. */
      secureCookies: (e.PUBLIC_URL ?? "").startsWith("https:"),
      oidc:
        e.OIDC_ISSUER && e.OIDC_CLIENT_ID
          ? {
              issuer: e.OIDC_ISSUER,
              clientId: e.OIDC_CLIENT_ID,
              clientSecret: e.OIDC_CLIENT_SECRET,
              allowedDomains: e.OIDC_ALLOWED_DOMAINS,
            }
          : undefined,
      allowedRedirectUrls: e.ALLOWED_REDIRECT_URLS,
    },
    limits: {
      messagesPerMinute: e.RATE_LIMIT_MESSAGES_PER_MINUTE,
      ipMessagesPerMinute: e.RATE_LIMIT_IP_MESSAGES_PER_MINUTE,
      exemptEmails: e.RATE_LIMIT_EXEMPT_EMAILS,
      ipUploadsPerMinute: e.RATE_LIMIT_IP_UPLOADS_PER_MINUTE,
      /** Messages per user or guest per day, app and HTTP routes together; 0 = no limit. */
      messagesPerDay: e.RATE_LIMIT_MESSAGES_PER_DAY,
      ipSignUpsPerHour: e.RATE_LIMIT_IP_SIGNUPS_PER_HOUR,
      ipGuestsPerHour: e.RATE_LIMIT_IP_GUESTS_PER_HOUR,
    },
    /** The HTTP chat routes' cap on `maxOutputTokens` (also sent when a request names none). */
    chatApi: { maxOutputTokens: e.CHAT_API_MAX_OUTPUT_TOKENS },
    /** With a token, /metrics wants it as a bearer token; without, only loopback may read it. */
    metricsToken: e.METRICS_TOKEN,
  };
}

function fromRoot(path: string) {
  return isAbsolute(path) ? path : resolve(ROOT_DIR, path);
}

/** Reads settings from `.env` at the repository root (if present) and the process environment. */
export function loadConfig(): Config {
  const envFile = resolve(ROOT_DIR, ".env");
  // Values already in the environment win over the file (loadEnvFile does not overwrite).
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return parseConfig(process.env);
}

/** loadConfig for a process entry point: a wrong setting ends it with one line that says why. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Invalid configuration: ${error.message}`);
    process.exit(1);
  }
}

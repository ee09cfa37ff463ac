// The tools Parley can offer: the MCP servers of MCP_SERVERS (and demo mode's own), and the
// built-in web search. Resolves a message's choice of tools into the functions a model is
// offered, each mapped back to its server and checked against its input schema.

import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { JsonSchemaType } from "@modelcontextprotocol/sdk/validation/types.js";
import type { McpServersConfig, ToolInfo, ToolServer } from "@parley/shared";
import type { ToolDefinition } from "../llm/tool-format.ts";
import { DEMO_SERVER, demoTransport } from "./demo.ts";
import { type Backoff, createMcpConnection, type ToolLog, transportFor } from "./mcp.ts";
import type { ToolProvider } from "./provider.ts";
import { createWebSearch } from "./web-search.ts";

export interface ToolsConfig {
  mcpServers: McpServersConfig;
  guests: boolean;
  timeoutMs: number;
  resultMaxChars: number;
  maxRounds: number;
  searxngUrl: string | undefined;
}

/** A tool offered to a model, with what calling it takes. */
export interface OfferedTool {
  /** `<server>.<tool>`. */
  id: string;
  /** The function name the model sees. */
  name: string;
  provider: ToolProvider;
  /** The tool's name on its server. */
  tool: string;
  /** Why `args` do not match the tool's input schema; undefined when they do. */
  check(args: unknown): string | undefined;
}

/** The tools offered for one answer. */
export interface Toolset {
  definitions: ToolDefinition[];
  /** By function name. */
  byName: ReadonlyMap<string, OfferedTool>;
}

export type ToolService = ReturnType<typeof createToolService>;

export function createToolService(deps: {
  config: ToolsConfig;
  /** Demo mode: the built-in demo server is offered when MCP_SERVERS names none. */
  demo: boolean;
  log: ToolLog;
  backoff?: Backoff;
}) {
  const { config, log } = deps;
  const providers: ToolProvider[] = [];
  const starting: Promise<void>[] = [];
  for (const [name, server] of Object.entries(config.mcpServers)) {
    const connection = createMcpConnection({
      name,
      connect: transportFor(server),
      log,
      backoff: deps.backoff,
    });
    providers.push(connection);
    starting.push(connection.ready());
  }
  if (deps.demo && Object.keys(config.mcpServers).length === 0) {
    const connection = createMcpConnection({ name: DEMO_SERVER, connect: demoTransport, log });
    providers.push(connection);
    starting.push(connection.ready());
  }
  if (config.searxngUrl) providers.push(createWebSearch(config.searxngUrl));
  const validator = new AjvJsonSchemaValidator();
  const checks = new WeakMap<object, (args: unknown) => string | undefined>();

  function checkerFor(schema: Record<string, unknown>): (args: unknown) => string | undefined {
    let check = checks.get(schema);
    if (!check) {
      try {
        const validate = validator.getValidator(schema as JsonSchemaType);
        check = (args) => {
          const result = validate(args);
          return result.valid ? undefined : result.errorMessage;
        };
      } catch (error) {
        // A schema the validator cannot compile checks nothing; the server still checks.
        log.warn({ err: String(error) }, "a tool's input schema could not be compiled");
        check = () => undefined;
      }
      checks.set(schema, check);
    }
    return check;
  }

  /** Every server with its status and tools, in configuration order. */
  function list(): ToolServer[] {
    return providers.map((provider) => provider.describe());
  }

  /** The entries of `selection` that name no server or no tool it offers (a down server's are fine). */
  function unknownIn(selection: readonly string[]): string[] {
    const servers = new Map(list().map((server) => [server.name, server]));
    return selection.filter((entry) => {
      const dot = entry.indexOf(".");
      const server = servers.get(entry.slice(0, Math.max(dot, 0)));
      if (!server) return true;
      const tool = entry.slice(dot + 1);
      if (tool === "*" || server.status !== "ready") return false;
      return !server.tools.some((offered) => offered.name === tool);
    });
  }

  /** The tools a selection names that can be offered now, each once. */
  function toolset(selection: readonly string[]): Toolset {
    const chosen = new Map<string, { provider: ToolProvider; info: ToolInfo }>();
    for (const provider of providers) {
      const { tools } = provider.describe();
      for (const info of tools) {
        if (selection.includes(info.id) || selection.includes(`${provider.name}.*`)) {
          chosen.set(info.id, { provider, info });
        }
      }
    }
    const taken = new Set<string>();
    const byName = new Map<string, OfferedTool>();
    const definitions: ToolDefinition[] = [];
    for (const { provider, info } of chosen.values()) {
      const name = functionName(info.id, taken);
      taken.add(name);
      byName.set(name, {
        id: info.id,
        name,
        provider,
        tool: info.name,
        check: checkerFor(info.inputSchema),
      });
      definitions.push({ name, description: info.description, parameters: info.inputSchema });
    }
    return { definitions, byName };
  }

  return {
    list,
    unknownIn,
    toolset,
    config,
    /** Resolves once every server has been tried once (tests wait for it; the app does not). */
    started: () => Promise.all(starting).then(() => undefined),
    async close() {
      await Promise.all(providers.map((provider) => provider.close()));
    },
  };
}

const FUNCTION_NAME_MAX = 64;

/**
 * A name the providers accept (`^[A-Za-z0-9_-]{1,64}$`) for a tool id: `server__tool`, other
 * characters as `_`, and a number added when two ids come out the same.
 */
export function functionName(id: string, taken: ReadonlySet<string>): string {
  const dot = id.indexOf(".");
  const base = `${id.slice(0, dot)}__${id.slice(dot + 1)}`
    .replace(/[^A-Za-z0-9_-]/g, "_")
    .slice(0, FUNCTION_NAME_MAX);
  let name = base;
  for (let n = 2; taken.has(name); n += 1) {
    const suffix = `_${n}`;
    name = base.slice(0, FUNCTION_NAME_MAX - suffix.length) + suffix;
  }
  return name;
}

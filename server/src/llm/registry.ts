import type { ListedModel, ModelInfo, ModelsListOutput, ProviderStatus } from "@parley/shared";
import OpenAI from "openai";
import type { Config, ModelConfig } from "../config.ts";
import type { Db } from "../db/client.ts";
import type { Logger } from "../log.ts";
import type { GenerationObserver } from "../metrics/index.ts";
import { providerDocs } from "./mock/demo.ts";
import { createMockUpstream, MOCK_MODELS, type MockUpstream } from "./mock/index.ts";
import {
  createEndpoint,
  type Endpoint,
  failed,
  ListingFailure,
  listModels,
  nextCheckInMs,
  PROVIDER_DEFAULTS,
  type ProviderOptions,
  recentlyUp,
  statusOf,
  succeeded,
} from "./providers.ts";
import { UpstreamFailure } from "./upstream-failure.ts";
import { upstreamFetch } from "./upstream-fetch.ts";

/** How to reach one model upstream. */
export interface ModelRoute {
  info: ModelInfo;
  client: OpenAI;
  /** The model name sent upstream. */
  upstreamModel: string;
  api: "responses" | "chat";
  /** Its provider's name: `POST /api/chat-<provider>` streams it raw. */
  provider: string;
}

export interface ModelRegistry {
  list(): ModelsListOutput;
  /** The route for a model id, or undefined when no such model is configured. */
  route(modelId: string): ModelRoute | undefined;
  /** Why the model cannot answer now (its provider is down), or undefined when it can. */
  unavailable(modelId: string): string | undefined;
  /** Every provider's status (for /readyz). */
  providers(): ProviderStatus[];
  /** The providers' names, each with its own raw route (known at start, whatever is down). */
  readonly providerNames: readonly string[];
  /** Tells provider health how answers went: a success proves a provider up, and so on. */
  readonly observer: Pick<GenerationObserver, "ended">;
  /** The mock upstream answering in demo mode (undefined when a provider is configured). */
  readonly mock: MockUpstream | undefined;
  /** Stops checking providers. */
  close(): Promise<void>;
}

export interface RegistryOptions {
  mock?: MockUpstream;
  /** Keeps the last model list of a listed endpoint, for when it cannot be listed. */
  db?: Db;
  log?: Pick<Logger, "info" | "warn">;
  /** Check and listing timings (tests shorten them). */
  providers?: Partial<ProviderOptions>;
}

const MOCK_BASE_URL = "http://mock-upstream.parley.invalid/v1";
const DEFAULT_PROVIDER = "openai";

/** One endpoint and the models it serves. */
interface Source {
  endpoint: Endpoint;
  routes: ModelRoute[];
  /** Its models come from its listing (OPENAI_BASE_URL or OPENAI_API_KEY without MODELS). */
  listed: boolean;
  /** Never checked: the built-in mock is always there. */
  demo: boolean;
}

/**
 * Builds the registry from config: MODELS if set; else the models listed by the endpoint at
 * OPENAI_BASE_URL (or OpenAI itself) with OPENAI_API_KEY; else demo mode against the built-in
 * mock upstream, called in-process through the real `openai` SDK.
 *
 * Never fails because a provider is down: a listing that fails at start leaves the last list
 * that worked (kept in the database), or none, and is retried in the background.
 */
export async function createModelRegistry(
  config: Pick<Config, "models" | "openai" | "publicUrl">,
  options: RegistryOptions = {},
): Promise<ModelRegistry> {
  const timing: ProviderOptions = { ...PROVIDER_DEFAULTS, ...options.providers };
  const { apiKey, baseURL } = config.openai;
  const sources: Source[] = [];
  let mock: MockUpstream | undefined;

  if (config.models) {
    const byEndpoint = new Map<string, Source>();
    for (const model of config.models) {
      const name = model.provider ?? DEFAULT_PROVIDER;
      const url = model.baseURL ?? baseURL;
      const key = model.apiKey ?? apiKey ?? "none";
      const id = JSON.stringify([name, url ?? null, key]);
      let source = byEndpoint.get(id);
      if (!source) {
        const client = new OpenAI({ apiKey: key, baseURL: url, fetch: upstreamFetch });
        source = { endpoint: createEndpoint(name, client), routes: [], listed: false, demo: false };
        byEndpoint.set(id, source);
        sources.push(source);
      }
      source.routes.push(routeFor(model, source.endpoint.client, url));
    }
  } else if (apiKey || baseURL) {
    const client = new OpenAI({ apiKey: apiKey ?? "none", baseURL, fetch: upstreamFetch });
    sources.push({
      endpoint: createEndpoint(DEFAULT_PROVIDER, client),
      routes: [],
      listed: true,
      demo: false,
    });
  } else {
    mock =
      options.mock ?? createMockUpstream({ demo: { docsUrl: providerDocs(config.publicUrl) } });
    const client = new OpenAI({ apiKey: "demo", baseURL: MOCK_BASE_URL, fetch: mock.fetch });
    const routes = MOCK_MODELS.map((model) => ({
      info: {
        id: model.id,
        name: model.name,
        description: model.description,
        // Every demo model can call tools: the mock calls the ones a message's directive names.
        capabilities: { vision: model.vision, reasoning: model.reasoning, tools: true },
        parameters: {},
      },
      client,
      upstreamModel: model.id,
      api: model.api,
      provider: DEFAULT_PROVIDER,
    }));
    sources.push({
      endpoint: createEndpoint(DEFAULT_PROVIDER, client),
      routes,
      listed: false,
      demo: true,
    });
  }

  const log = options.log;
  const closing = new AbortController();
  const timers = new Map<Source, NodeJS.Timeout>();
  const checks = new Map<Source, Promise<void>>();
  let byId = new Map<string, { route: ModelRoute; source: Source }>();
  const index = () => {
    byId = new Map(
      sources.flatMap((source) =>
        source.routes.map((route) => [route.info.id, { route, source }] as const),
      ),
    );
  };

  /** A listed endpoint's models, from ids (existing routes are kept as they are). */
  function adopt(source: Source, ids: readonly string[]) {
    const known = new Map(source.routes.map((route) => [route.info.id, route]));
    source.routes = ids.map(
      (id) =>
        known.get(id) ??
        routeFor(
          { id, capabilities: { vision: false, reasoning: false, tools: false }, parameters: {} },
          source.endpoint.client,
          baseURL,
        ),
    );
    index();
  }

  async function storedList(source: Source): Promise<string[]> {
    const row = await options.db?.providerModelList.findUnique({
      where: { baseUrl: source.endpoint.baseURL },
    });
    const ids = row?.modelIds;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  }

  async function store(source: Source, ids: string[]) {
    const where = { baseUrl: source.endpoint.baseURL };
    await options.db?.providerModelList.upsert({
      where,
      create: { ...where, modelIds: ids },
      update: { modelIds: ids },
    });
  }

  /** Lists the endpoint's models: its health, and for a listed endpoint its models. */
  function check(source: Source): Promise<void> {
    const running = checks.get(source);
    if (running) return running;
    const { endpoint } = source;
    const done = (async () => {
      try {
        const ids = await listModels(endpoint.client, {
          timeoutMs: timing.listTimeoutMs,
          signal: closing.signal,
        });
        if (closing.signal.aborted) return;
        const wasDown = !endpoint.available || endpoint.lastSuccessAt === null;
        succeeded(endpoint);
        if (source.listed) {
          const before = source.routes.map((route) => route.info.id);
          if (JSON.stringify(before) !== JSON.stringify(ids)) {
            adopt(source, ids);
            await store(source, ids);
            log?.info({ provider: endpoint.name, models: ids }, "models listed");
          }
        }
        if (wasDown) log?.info({ provider: endpoint.name }, "model provider is available");
      } catch (error) {
        if (closing.signal.aborted) return;
        if (!(error instanceof ListingFailure)) throw error;
        // Models set in MODELS need no list: an endpoint that answers at all is up.
        if (!source.listed && error.answered) return succeeded(endpoint);
        const wasUp = endpoint.available;
        failed(endpoint, error.message);
        // Told once per outage, not at every retry.
        if (wasUp || endpoint.failures === 1) {
          log?.warn(
            { provider: endpoint.name, url: endpoint.baseURL, cause: String(error.cause ?? "") },
            `model provider unavailable: ${error.message}`,
          );
        }
      }
    })()
      .catch((error: unknown) => log?.warn({ err: error }, "could not check a model provider"))
      .finally(() => {
        checks.delete(source);
        schedule(source);
      });
    checks.set(source, done);
    return done;
  }

  function schedule(source: Source) {
    clearTimeout(timers.get(source));
    if (closing.signal.aborted || source.demo) return;
    const timer = setTimeout(
      () => {
        timers.delete(source);
        if (recentlyUp(source.endpoint, timing)) schedule(source);
        else void check(source);
      },
      nextCheckInMs(source.endpoint, timing),
    );
    timer.unref();
    timers.set(source, timer);
  }

  // A listed endpoint starts with the list it gave last time, replaced by what it lists now.
  for (const source of sources) {
    if (source.listed) adopt(source, await storedList(source));
  }
  index();
  // Listings are waited for (10 s at most): with no list, there would be no models yet.
  await Promise.all(sources.filter((source) => source.listed).map(check));
  for (const source of sources) {
    if (!source.listed && !source.demo) void check(source);
  }

  const listed = (source: Source): ListedModel[] =>
    source.routes.map((route) => ({
      ...route.info,
      available: source.endpoint.available,
      unavailableReason: source.endpoint.available ? null : source.endpoint.reason,
    }));
  const providers = () => sources.map((source) => statusOf(source.endpoint, source.routes.length));

  return {
    list: () => {
      const models = sources.flatMap(listed);
      return {
        models,
        defaultModel: models[0]?.id ?? "",
        demo: mock !== undefined,
        providers: providers(),
      };
    },
    route: (modelId) => byId.get(modelId)?.route,
    unavailable(modelId) {
      const endpoint = byId.get(modelId)?.source.endpoint;
      return endpoint && !endpoint.available ? (endpoint.reason ?? undefined) : undefined;
    },
    providers,
    providerNames: [...new Set(sources.map((source) => source.endpoint.name))],
    observer: {
      ended(report) {
        const source = byId.get(report.model)?.source;
        if (!source || source.demo) return;
        if (report.outcome === "finished") {
          const wasDown = !source.endpoint.available;
          succeeded(source.endpoint);
          if (wasDown) schedule(source);
        } else if (report.error instanceof UpstreamFailure && report.error.details.unreachable) {
          // Not answering at all is the provider being down, not one bad request.
          failed(source.endpoint, "Could not reach the model provider.");
          if (source.endpoint.failures === 1) schedule(source);
        }
      },
    },
    mock,
    async close() {
      closing.abort();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.all(checks.values());
    },
  };
}

function routeFor(model: ModelConfig, client: OpenAI, baseURL: string | undefined): ModelRoute {
  return {
    info: {
      id: model.id,
      name: model.name ?? model.id,
      description: model.description,
      capabilities: model.capabilities,
      parameters: model.parameters,
    },
    client,
    upstreamModel: model.upstreamModel ?? model.id,
    // OpenAI itself speaks the Responses API; other endpoints are assumed to speak Chat Completions.
    api: model.api ?? (baseURL ? "chat" : "responses"),
    provider: model.provider ?? DEFAULT_PROVIDER,
  };
}

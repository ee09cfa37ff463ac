import type { ModelInfo, ModelsListOutput } from "@parley/shared";
import OpenAI from "openai";
import type { Config, ModelConfig } from "../config.ts";
import { providerDocs } from "./mock/demo.ts";
import { createMockUpstream, MOCK_MODELS, type MockUpstream } from "./mock/index.ts";

/** How to reach one model upstream. */
export interface ModelRoute {
  info: ModelInfo;
  client: OpenAI;
  /** The model name sent upstream. */
  upstreamModel: string;
  api: "responses" | "chat";
}

export interface ModelRegistry {
  list(): ModelsListOutput;
  /** The route for a model id, or undefined when no such model is configured. */
  route(modelId: string): ModelRoute | undefined;
  /** The mock upstream answering in demo mode (undefined when a provider is configured). */
  readonly mock: MockUpstream | undefined;
}

const MOCK_BASE_URL = "http://mock-upstream.parley.invalid/v1";

/**
 * Builds the registry from config: MODELS if set; else the models listed by the endpoint at
 * OPENAI_BASE_URL (or OpenAI itself) with OPENAI_API_KEY; else demo mode against the built-in
 * mock upstream, called in-process through the real `openai` SDK.
 */
export async function createModelRegistry(
  config: Pick<Config, "models" | "openai" | "publicUrl">,
  options: { mock?: MockUpstream } = {},
): Promise<ModelRegistry> {
  const { apiKey, baseURL } = config.openai;
  if (config.models) return registry(config.models.map((model) => routeFor(model, config.openai)));
  if (apiKey || baseURL) {
    const client = new OpenAI({ apiKey: apiKey ?? "none", baseURL, timeout: 10_000 });
    const upstream = await client.models.list().catch((error: unknown) => {
      throw new Error(
        `OPENAI_BASE_URL: could not list models at ${client.baseURL} (${String(error)}); set MODELS to configure them explicitly`,
      );
    });
    const models = upstream.data.map((model) => ModelConfigFrom(model.id));
    return registry(models.map((model) => routeFor(model, config.openai)));
  }
  const mock =
    options.mock ?? createMockUpstream({ demo: { docsUrl: providerDocs(config.publicUrl) } });
  const client = new OpenAI({ apiKey: "demo", baseURL: MOCK_BASE_URL, fetch: mock.fetch });
  const routes = MOCK_MODELS.map((model) => ({
    info: {
      id: model.id,
      name: model.name,
      description: model.description,
      capabilities: { vision: model.vision, reasoning: model.reasoning },
      parameters: {},
    },
    client,
    upstreamModel: model.id,
    api: model.api,
  }));
  return registry(routes, mock);
}

function ModelConfigFrom(id: string): ModelConfig {
  return { id, capabilities: { vision: false, reasoning: false }, parameters: {} };
}

function routeFor(model: ModelConfig, defaults: Config["openai"]): ModelRoute {
  const baseURL = model.baseURL ?? defaults.baseURL;
  const client = new OpenAI({ apiKey: model.apiKey ?? defaults.apiKey ?? "none", baseURL });
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
  };
}

function registry(routes: ModelRoute[], mock?: MockUpstream): ModelRegistry {
  const byId = new Map(routes.map((route) => [route.info.id, route]));
  const models = routes.map((route) => route.info);
  return {
    list: () => ({ models, defaultModel: models[0]?.id ?? "", demo: mock !== undefined }),
    route: (modelId) => byId.get(modelId),
    mock,
  };
}

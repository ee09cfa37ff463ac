// The chat engine as one service: conversations, messages, generations and settings, built
// from their dependencies (database, model registry, event log) so tests can build it directly.

import { LIMITS, type Limits } from "@parley/shared";
import type { Db } from "../db/client.ts";
import type { FileService } from "../files/service.ts";
import type { ModelRegistry } from "../llm/registry.ts";
import type { GenerationObserver } from "../metrics/index.ts";
import type { ToolService } from "../tools/service.ts";
import { DEFAULT_LOG_TTL_MS, type GenerationBus } from "./bus/index.ts";
import { createMemoryBus } from "./bus/memory.ts";
import { createConversationService } from "./conversations.ts";
import { notFound } from "./errors.ts";
import { createExportService } from "./export.ts";
import {
  createGenerationRunner,
  DEFAULT_GENERATION_OPTIONS,
  type GenerationOptions,
  type GenerationRunner,
} from "./generations/runner.ts";
import { createGenerationReader } from "./generations/stream.ts";
import { createImportService } from "./import/index.ts";
import { createMessageService } from "./messages.ts";
import { createSettingsService, type SettingsService } from "./settings.ts";
import { createShareService } from "./shares.ts";

export interface ChatOptions extends GenerationOptions {
  /** How long a finished generation's events stay readable (default 10 minutes). */
  logTtlMs: number;
  limits: Limits;
}

export type ChatService = ReturnType<typeof createChatService>;

/** What the conversation and message services are built from. */
export interface ChatParts {
  db: Db;
  models: ModelRegistry;
  settings: SettingsService;
  runner: GenerationRunner;
  limits: Limits;
  /** Attachments: who may attach what, and their bytes for prompts. */
  files: FileService;
  /** The tools models may call (none when omitted). */
  tools?: ToolService;
}

export function createChatService(deps: {
  db: Db;
  models: ModelRegistry;
  files: FileService;
  /** The generation bus; in memory (with `options.logTtlMs`) when omitted. */
  bus?: GenerationBus;
  tools?: ToolService;
  options?: Partial<ChatOptions>;
  /** Told about each generation (metrics, provider health). */
  observer?: GenerationObserver;
}) {
  const options: ChatOptions = {
    ...DEFAULT_GENERATION_OPTIONS,
    logTtlMs: DEFAULT_LOG_TTL_MS,
    ...deps.options,
    limits: { ...LIMITS, ...deps.options?.limits },
  };
  const { db, models } = deps;
  const bus = deps.bus ?? createMemoryBus({ ttlMs: options.logTtlMs });
  const runner = createGenerationRunner({ db, bus, options, observer: deps.observer });
  const reader = createGenerationReader({ bus, observer: deps.observer });
  const settings = createSettingsService({ db, models });
  const shared: ChatParts = {
    db,
    models,
    settings,
    runner,
    limits: options.limits,
    files: deps.files,
    tools: deps.tools,
  };
  const conversations = createConversationService(shared);
  const messages = createMessageService(shared);
  const shares = createShareService({ ...shared, conversations });
  const exchange = createExportService(shared);
  const imports = createImportService(shared);

  return {
    conversations,
    messages,
    shares,
    /** Export (JSON, Markdown). */
    exchange,
    /** Import from a file: Parley, ChatGPT (JSON or ZIP), Open WebUI, LibreChat, chatbot-ui. */
    imports,
    generations: {
      stream: reader.stream,
      watchActive: reader.watchActive,
      async stop(ownerId: string, generationId: string) {
        const result = await runner.stop(ownerId, generationId);
        if (!result) throw notFound("generation");
        return result;
      },
    },
    settings,
    /** Stops running generations (their answers are saved as interrupted), then drops the log. */
    async close() {
      await runner.close();
      await bus.close();
    },
  };
}

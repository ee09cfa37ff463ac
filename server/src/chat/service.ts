// The chat engine as one service: conversations, messages, generations and settings, built
// from their dependencies (database, model registry, event log) so tests can build it directly.
// This is where the chat services are composed: each declares the narrow deps it uses, and
// none imports this file back.

import { USAGE_LIMITS, type UsageLimits } from "@parley/shared";
import type { Db } from "../db/client.ts";
import { notFound } from "../errors.ts";
import type { FileService } from "../files/service.ts";
import type { ModelRegistry } from "../llm/registry.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { GenerationObserver } from "../metrics/index.ts";
import type { ToolService } from "../tools/service.ts";
import { adoptGuestChats } from "./adopt-guest.ts";
import { DEFAULT_LOG_TTL_MS, type GenerationBus } from "./bus/index.ts";
import { createMemoryBus } from "./bus/memory.ts";
import { createConversationService } from "./conversations.ts";
import { createExportService } from "./export.ts";
import {
  createGenerationRunner,
  DEFAULT_GENERATION_OPTIONS,
  type GenerationOptions,
} from "./generations/runner.ts";
import { createGenerationReader } from "./generations/stream.ts";
import { createImportService } from "./import/index.ts";
import { createMessageService } from "./messages.ts";
import { createSettingsService } from "./settings.ts";
import { cloneShare, createShareService } from "./shares.ts";

export interface ChatOptions extends GenerationOptions {
  /** How long a finished generation's events stay readable (default 10 minutes). */
  logTtlMs: number;
  limits: UsageLimits;
}

export type ChatService = ReturnType<typeof createChatService>;

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
  /** For what belongs to no one request; silent when omitted. */
  log?: Logger;
}) {
  const options: ChatOptions = {
    ...DEFAULT_GENERATION_OPTIONS,
    logTtlMs: DEFAULT_LOG_TTL_MS,
    ...deps.options,
    limits: { ...USAGE_LIMITS, ...deps.options?.limits },
  };
  const { db, models, files, tools } = deps;
  const { limits } = options;
  const bus = deps.bus ?? createMemoryBus({ ttlMs: options.logTtlMs });
  const runner = createGenerationRunner({
    db,
    bus,
    options,
    observer: deps.observer,
    log: deps.log ?? silentLogger,
  });
  const reader = createGenerationReader({ bus, observer: deps.observer });
  const settings = createSettingsService({ db, models });
  // Each service gets what it uses; shares and conversations reach each other through here.
  const conversations = createConversationService({
    db,
    models,
    settings,
    runner,
    limits,
    copyShare: (ownerId, input) => cloneShare({ db, models, settings, limits }, ownerId, input),
  });
  const messages = createMessageService({
    db,
    models,
    runner,
    limits,
    files,
    settings,
    ...(tools ? { tools } : {}),
  });
  const shares = createShareService({ db, limits, conversations });
  const exports = createExportService({ db, models, files });
  const imports = createImportService({ db, models, settings, limits, files });

  return {
    conversations,
    messages,
    shares,
    /** Export (JSON, Markdown). */
    exports,
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
    /** A guest signing in: what it made becomes the account's (inside identity's transaction). */
    adoptGuestChats,
    /** Stops running generations (their answers are saved as interrupted), then drops the log. */
    async close() {
      await runner.close();
      await bus.close();
    },
  };
}

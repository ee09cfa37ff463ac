// The chat engine as one service: conversations, messages, generations and settings, built
// from their dependencies (database, model registry, event log) so tests can build it directly.

import { LIMITS, type Limits } from "@parley/shared";
import type { Db } from "../db/client.ts";
import type { FileService } from "../files/service.ts";
import type { ModelRegistry } from "../llm/registry.ts";
import type { ToolService } from "../tools/service.ts";
import { createConversationService } from "./conversations.ts";
import { DEFAULT_LOG_TTL_MS, type EventLog } from "./event-log/index.ts";
import { createMemoryEventLog } from "./event-log/memory.ts";
import { createExchangeService } from "./exchange.ts";
import {
  createGenerationRunner,
  DEFAULT_GENERATION_OPTIONS,
  type GenerationOptions,
  type GenerationRunner,
} from "./generations.ts";
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
  tools?: ToolService;
  /** The event log; in memory (with `options.logTtlMs`) when omitted. */
  events?: EventLog;
  options?: Partial<ChatOptions>;
}) {
  const options: ChatOptions = {
    ...DEFAULT_GENERATION_OPTIONS,
    logTtlMs: DEFAULT_LOG_TTL_MS,
    ...deps.options,
    limits: { ...LIMITS, ...deps.options?.limits },
  };
  const { db, models } = deps;
  const events = deps.events ?? createMemoryEventLog({ ttlMs: options.logTtlMs });
  const runner = createGenerationRunner({ db, events, options });
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
  const exchange = createExchangeService(shared);

  return {
    conversations,
    messages,
    shares,
    /** Export (JSON, Markdown) and import (Parley, ChatGPT). */
    exchange,
    generations: {
      stream: runner.stream,
      stop: runner.stop,
      watchActive: runner.watchActive,
    },
    settings,
    /** Stops running generations (their answers are saved as interrupted), then drops the log. */
    async close() {
      await runner.close();
      await events.close();
    },
  };
}

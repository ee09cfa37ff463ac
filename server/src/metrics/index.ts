// Prometheus metrics (prom-client): the process's own (RSS, heap, event-loop lag, GC), and
// Parley's: generations, tokens, latency, upstream errors, rate limits and HTTP requests.
// Labels carry model ids, outcomes and route templates only: never a user, an email or text.

import type { GenerationErrorCode } from "@parley/shared";
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type PrometheusContentType,
  Registry,
} from "prom-client";
import type { LimitName } from "../limits/index.ts";
import { UpstreamFailure } from "../llm/upstream-failure.ts";

/** How a generation went, told once when its upstream stream is over. */
export interface GenerationReport {
  /** The model id as configured. */
  model: string;
  outcome: "finished" | "stopped" | "failed";
  /** Why it failed (outcome "failed" only). */
  errorCode?: GenerationErrorCode;
  /** What the upstream call threw, if anything (an UpstreamFailure for provider errors). */
  error?: unknown;
  /** From the start of the upstream request to the end of its stream. */
  durationMs: number;
  timeToFirstTokenMs?: number;
  /** As the provider reported it (reasoning included). */
  outputTokens?: number;
}

/**
 * What the chat engine tells the outside about its generations (metrics, provider health),
 * without knowing who listens. Every method is cheap and never throws.
 */
export interface GenerationObserver {
  /** A generation is about to call the upstream. */
  started(model: string): void;
  /** Its upstream stream is over (always after `started`, once). */
  ended(report: GenerationReport): void;
  /** A `generations.stream` subscriber started or stopped reading. */
  subscriberOpened(): void;
  subscriberClosed(): void;
}

/** Several observers as one; a missing method of one is skipped. */
export function observers(...list: Partial<GenerationObserver>[]): GenerationObserver {
  return {
    started: (model) => {
      for (const observer of list) observer.started?.(model);
    },
    ended: (report) => {
      for (const observer of list) observer.ended?.(report);
    },
    subscriberOpened: () => {
      for (const observer of list) observer.subscriberOpened?.();
    },
    subscriberClosed: () => {
      for (const observer of list) observer.subscriberClosed?.();
    },
  };
}

/** Kinds of upstream errors, the `kind` label of parley_upstream_errors_total. */
export type UpstreamErrorKind =
  | "unreachable"
  | "rate_limited"
  | "server_error"
  | "client_error"
  | "stream"
  | "timeout"
  | "empty";

export function upstreamErrorKind(error: unknown): UpstreamErrorKind {
  if (!(error instanceof UpstreamFailure)) return "stream";
  if (error.details.unreachable) return "unreachable";
  const status = error.status;
  if (status === 429) return "rate_limited";
  if (status !== undefined && status >= 500) return "server_error";
  if (status !== undefined) return "client_error";
  // No status: the provider failed after answering 200, in the middle of its stream.
  return "stream";
}

const SECONDS = 1000;

// The process metrics are the process's, whatever number of apps it runs (tests run several).
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];

  const messages = new Counter({
    name: "parley_messages_total",
    help: "Messages answered (generations and HTTP chat route requests), by model.",
    labelNames: ["model"],
    registers,
  });
  const outputTokens = new Counter({
    name: "parley_output_tokens_total",
    help: "Output tokens the providers reported (reasoning included), by model.",
    labelNames: ["model"],
    registers,
  });
  const timeToFirstToken = new Histogram({
    name: "parley_time_to_first_token_seconds",
    help: "From the upstream request to the first answer or reasoning token.",
    labelNames: ["model"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers,
  });
  const timePerOutputToken = new Histogram({
    name: "parley_time_per_output_token_seconds",
    help: "Time between output tokens after the first: (duration - TTFT) / (tokens - 1).",
    labelNames: ["model"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  const duration = new Histogram({
    name: "parley_generation_duration_seconds",
    help: "Generations from the upstream request to the end of its stream, by model and outcome.",
    labelNames: ["model", "outcome"],
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
    registers,
  });
  const running = new Gauge({
    name: "parley_generations_running",
    help: "Generations streaming from a provider now.",
    registers,
  });
  const subscribers = new Gauge({
    name: "parley_stream_subscribers",
    help: "generations.stream subscribers reading now.",
    registers,
  });
  const upstreamErrors = new Counter({
    name: "parley_upstream_errors_total",
    help: "Provider failures, by model and kind (unreachable, rate_limited, server_error, client_error, stream, timeout, empty).",
    labelNames: ["model", "kind"],
    registers,
  });
  const rateLimited = new Counter({
    name: "parley_rate_limited_total",
    help: "Requests refused by a rate limit, by limit.",
    labelNames: ["limit"],
    registers,
  });
  const httpDuration = new Histogram({
    name: "parley_http_request_duration_seconds",
    help: "HTTP requests by route template, method and status (streams: until they end).",
    labelNames: ["route", "method", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });

  const generations: GenerationObserver = {
    started(model) {
      messages.inc({ model });
      running.inc();
    },
    ended(report) {
      const { model } = report;
      running.dec();
      duration.observe({ model, outcome: report.outcome }, report.durationMs / SECONDS);
      const ttft = report.timeToFirstTokenMs;
      if (ttft !== undefined) timeToFirstToken.observe({ model }, ttft / SECONDS);
      const tokens = report.outputTokens;
      if (tokens !== undefined) {
        outputTokens.inc({ model }, tokens);
        if (ttft !== undefined && tokens > 1) {
          const perToken = (report.durationMs - ttft) / (tokens - 1) / SECONDS;
          timePerOutputToken.observe({ model }, Math.max(0, perToken));
        }
      }
      const code = report.errorCode;
      if (code === "upstream") upstreamErrors.inc({ model, kind: upstreamErrorKind(report.error) });
      else if (code === "timeout" || code === "empty") upstreamErrors.inc({ model, kind: code });
    },
    subscriberOpened: () => subscribers.inc(),
    subscriberClosed: () => subscribers.dec(),
  };

  return {
    generations,
    rateLimited(limit: LimitName) {
      rateLimited.inc({ limit });
    },
    httpRequest(labels: { route: string; method: string; status: number }, seconds: number) {
      httpDuration.observe({ ...labels, status: String(labels.status) }, seconds);
    },
    contentType: registry.contentType satisfies PrometheusContentType,
    /** Everything in the Prometheus text format. */
    async text(): Promise<string> {
      return (await processMetrics().metrics()) + (await registry.metrics());
    },
  };
}

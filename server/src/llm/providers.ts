// Provider health: each endpoint's last success and failure, learnt from real answers and from
// listing its models (GET /models) at most once per check interval while it is up, and with
// a backoff while it is down. A listing also refreshes the models of a listed endpoint.

import type { ProviderStatus } from "@parley/shared";
import type OpenAI from "openai";
import { APIConnectionError, APIError } from "openai";

export const PROVIDER_DEFAULTS = {
  /** A provider that is up is listed at most this often (skipped when answers prove it up). */
  checkIntervalMs: 30_000,
  /** A listing that takes longer than this fails (a hanging endpoint). */
  listTimeoutMs: 10_000,
  /** The first retry of a provider that is down; doubles up to the check interval. */
  retryMs: 1_000,
};
export type ProviderOptions = typeof PROVIDER_DEFAULTS;

/** The reason every listing without a usable model list gives (garbage and empty alike). */
export const NO_MODELS_LISTED = "The model provider did not list any models.";

export interface Endpoint {
  /** The provider's name (MODELS `provider`, else "openai"). */
  readonly name: string;
  /** Its base URL: for the log and the stored listing, never shown to clients. */
  readonly baseURL: string;
  readonly client: OpenAI;
  available: boolean;
  reason: string | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  /** Failures in a row, for the retry backoff. */
  failures: number;
}

export function createEndpoint(name: string, client: OpenAI): Endpoint {
  return {
    name,
    baseURL: client.baseURL,
    client,
    available: true,
    reason: null,
    lastSuccessAt: null,
    lastFailureAt: null,
    failures: 0,
  };
}

export function succeeded(endpoint: Endpoint, at = new Date()) {
  endpoint.available = true;
  endpoint.reason = null;
  endpoint.lastSuccessAt = at;
  endpoint.failures = 0;
}

export function failed(endpoint: Endpoint, reason: string, at = new Date()) {
  endpoint.available = false;
  endpoint.reason = reason;
  endpoint.lastFailureAt = at;
  endpoint.failures += 1;
}

export function statusOf(endpoint: Endpoint, models: number): ProviderStatus {
  return {
    name: endpoint.name,
    available: endpoint.available,
    reason: endpoint.reason,
    lastSuccessAt: endpoint.lastSuccessAt?.toISOString() ?? null,
    lastFailureAt: endpoint.lastFailureAt?.toISOString() ?? null,
    models,
  };
}

/** When to check an endpoint next: the interval while up, a doubling backoff while down. */
export function nextCheckInMs(endpoint: Endpoint, options: ProviderOptions, now = Date.now()) {
  if (!endpoint.available) {
    const backoff = options.retryMs * 2 ** Math.max(0, endpoint.failures - 1);
    return Math.min(options.checkIntervalMs, backoff);
  }
  // An answer that worked is as good as a check: the next one counts from it.
  const last = endpoint.lastSuccessAt?.getTime() ?? now;
  return Math.max(0, last + options.checkIntervalMs - now);
}

/** Whether an endpoint that is up needs no check yet (answers proved it up lately). */
export function recentlyUp(endpoint: Endpoint, options: ProviderOptions, now = Date.now()) {
  const last = endpoint.lastSuccessAt?.getTime();
  return endpoint.available && last !== undefined && now - last < options.checkIntervalMs;
}

export class ListingFailure extends Error {
  constructor(
    message: string,
    options: ErrorOptions & {
      /** It answered, just not with models: enough to show a chat endpoint is there. */
      answered?: boolean;
    } = {},
  ) {
    super(message, options);
    this.answered = options.answered ?? false;
  }

  readonly answered: boolean;
}

/**
 * The model ids an endpoint lists, in its order. Throws ListingFailure, with a reason for
 * people, when it cannot be reached, answers an error, takes longer than `timeoutMs`, or
 * answers anything but a non-empty list.
 */
export async function listModels(
  client: OpenAI,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<string[]> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let data: unknown;
  try {
    const page = await client.models.list({
      maxRetries: 0,
      timeout: options.timeoutMs,
      signal: AbortSignal.any([options.signal, timeout]),
    });
    data = page.data;
  } catch (error) {
    if (timeout.aborted) {
      throw new ListingFailure(
        `The model provider did not answer within ${options.timeoutMs / 1000} s.`,
        { cause: error },
      );
    }
    if (error instanceof APIConnectionError) {
      throw new ListingFailure("Could not reach the model provider.", { cause: error });
    }
    if (error instanceof APIError && error.status) {
      // Some endpoints serve chat but no model list; a refused key or a server error is not that.
      const answered = error.status === 404 || error.status === 405;
      throw new ListingFailure(`The model provider answered ${error.status}.`, {
        cause: error,
        answered,
      });
    }
    // A body that claims to be JSON and is not, and the like.
    throw new ListingFailure(NO_MODELS_LISTED, { cause: error, answered: true });
  }
  const ids = Array.isArray(data)
    ? data.flatMap((model: unknown) => {
        const id = (model as { id?: unknown } | null)?.id;
        return typeof id === "string" && id !== "" ? [id] : [];
      })
    : [];
  if (ids.length === 0) throw new ListingFailure(NO_MODELS_LISTED, { answered: true });
  return [...new Set(ids)];
}

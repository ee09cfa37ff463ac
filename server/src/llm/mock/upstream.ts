// The mock as a web-standard handler: routing, request records, and the in-process `fetch`.

import type { MockDefaults } from "./behaviour.ts";
import { chatCompletions } from "./chat-completions.ts";
import type { DemoOptions } from "./demo.ts";
import { findMockModel, MOCK_MODELS, type MockModel } from "./models.ts";
import { createRequestControl, type MockRequestRecord } from "./records.ts";
import { type ApiContext, isRecord } from "./request.ts";
import { responses } from "./responses.ts";
import { abortError, errorResponse, jsonResponse, UpstreamError } from "./wire.ts";

export interface MockUpstream {
  /**
   * A fetch-compatible function: give it to
   * `new OpenAI({ baseURL: "http://mock.invalid/v1", fetch: mock.fetch })` for in-process use
   * (no sockets). Aborting the request's signal is recorded as `aborted`.
   */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Web-standard handler behind both `fetch` and the HTTP server. */
  handle: (request: Request) => Promise<Response>;
  /** Every request so far, oldest first (a live array; `clear()` empties it). */
  readonly requests: readonly MockRequestRecord[];
  clear(): void;
}

export interface MockUpstreamOptions {
  /** Milliseconds before each token (default 15); `delay=N` overrides it per request. */
  defaultTokenDelayMs?: number;
  /** Answer tokens (default 40); `tokens=N` overrides it per request. */
  defaultTokens?: number;
  /**
   * Answer as the demo (demo.ts: a tour of Parley) rather than with placeholder prose, unless a
   * request carries directives. Set by the registry in demo mode; tests and benchmarks leave it.
   */
  demo?: DemoOptions;
}

// A fixed date, so the model list is the same on every run.
const MODELS_CREATED = 1_735_689_600;

export function createMockUpstream(options: MockUpstreamOptions = {}): MockUpstream {
  const defaults: MockDefaults = {
    tokens: options.defaultTokens ?? 40,
    delayMs: options.defaultTokenDelayMs ?? 15,
    demo: options.demo,
  };
  const requests: MockRequestRecord[] = [];
  let counter = 0;

  async function serve(request: Request, signal: AbortSignal): Promise<Response> {
    const { pathname: path } = new URL(request.url);
    const text = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
    let body: unknown;
    let malformed = false;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        malformed = true;
      }
    }

    const route = `${request.method} ${path}`;
    const api =
      route === "POST /v1/chat/completions"
        ? "chat"
        : route === "POST /v1/responses"
          ? "responses"
          : request.method === "GET" && /^\/v1\/models(\/|$)/.test(path)
            ? "models"
            : "unknown";
    const modelId = path.startsWith("/v1/models/") ? decodeURIComponent(path.slice(11)) : undefined;
    const control = createRequestControl({
      id: `req_mock_${++counter}`,
      api,
      path,
      model: isRecord(body) && typeof body.model === "string" ? body.model : modelId,
      body,
      rawBody: text,
      stream: isRecord(body) && body.stream === true,
    });
    requests.push(control.record);
    const id = control.record.id;
    const context: ApiContext = { control, signal, defaults };

    try {
      let response: Response;
      if (api === "unknown") {
        throw new UpstreamError(404, `Invalid URL (${route})`);
      } else if (api === "models") {
        response = modelsResponse(modelId, id);
      } else if (malformed || !isRecord(body)) {
        throw new UpstreamError(400, "We could not parse the JSON body of your request.");
      } else {
        response = await (api === "chat" ? chatCompletions : responses)(body, context);
      }
      // A stream ends its own record; a whole JSON reply is over once it is handed back.
      if (!response.headers.get("content-type")?.startsWith("text/event-stream")) control.end();
      return response;
    } catch (error) {
      if (signal.aborted) {
        control.abort();
        throw abortError(signal);
      }
      control.settle("failed");
      control.end();
      if (error instanceof UpstreamError) return errorResponse(error, id);
      const message = `Mock upstream bug: ${error instanceof Error ? error.message : String(error)}`;
      return errorResponse(new UpstreamError(500, message), id);
    }
  }

  return {
    fetch(input, init) {
      const request = new Request(input, init);
      // Listen to the caller's own signal: it is the one the SDK aborts.
      const signal = init?.signal ?? request.signal;
      if (signal.aborted) return Promise.reject(abortError(signal));
      return serve(request, signal);
    },
    handle: (request) => serve(request, request.signal),
    requests,
    clear() {
      requests.splice(0);
    },
  };
}

function modelsResponse(modelId: string | undefined, requestId: string): Response {
  const entry = (model: MockModel) => ({
    id: model.id,
    object: "model",
    created: MODELS_CREATED,
    owned_by: "parley",
  });
  if (modelId === undefined) {
    return jsonResponse(200, { object: "list", data: MOCK_MODELS.map(entry) }, requestId);
  }
  const model = findMockModel(modelId);
  if (!model) {
    throw new UpstreamError(404, `The model '${modelId}' does not exist`, {
      param: "model",
      code: "model_not_found",
    });
  }
  return jsonResponse(200, entry(model), requestId);
}

// The mock upstream, driven by the real `openai` SDK over real HTTP and in-process.

import OpenAI, { APIError, APIUserAbortError } from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createMockUpstream,
  listenMockUpstream,
  MOCK_MODELS,
  type MockRequestRecord,
  type MockUpstream,
  type MockUpstreamServer,
} from "../src/llm/mock/index.ts";

let mock: MockUpstream;
let server: MockUpstreamServer;
/** The SDK over real sockets. */
let http: OpenAI;
/** The SDK calling `mock.fetch` directly, as demo mode does. */
let local: OpenAI;

beforeEach(async () => {
  mock = createMockUpstream({ defaultTokenDelayMs: 1, defaultTokens: 20 });
  server = await listenMockUpstream(mock);
  http = new OpenAI({ apiKey: "test", baseURL: server.baseURL, maxRetries: 0 });
  local = new OpenAI({
    apiKey: "test",
    baseURL: "http://mock.invalid/v1",
    fetch: mock.fetch,
    maxRetries: 0,
  });
});

afterEach(async () => {
  await server.close();
});

function user(content: string) {
  return [{ role: "user" as const, content }];
}

/** The single request the mock has seen. */
function onlyRecord(): MockRequestRecord {
  expect(mock.requests).toHaveLength(1);
  return mock.requests[0] as MockRequestRecord;
}

/** Runs a stream to its end or its error, keeping what arrived before. */
async function drain<T>(stream: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of stream) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

const contentDeltas = (chunks: ChatCompletionChunk[]) =>
  chunks
    .flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? ""))
    .filter(Boolean);

const deltasOf = (events: ResponseStreamEvent[], type: "output_text" | "reasoning_summary_text") =>
  events.flatMap((event) =>
    event.type === `response.${type}.delta` && "delta" in event ? [event.delta] : [],
  );

function chatUsage(input: number, output: number, reasoning = 0) {
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function responsesUsage(input: number, output: number, reasoning = 0) {
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
}

describe("Chat Completions", () => {
  it("streams over HTTP: the deltas join into the non-streamed text, then usage, then [DONE]", async () => {
    const messages = user("Tell me about rivers [[mock tokens=12]]");
    const stream = await http.chat.completions.create({
      model: "parley-demo",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const { items: chunks, error } = await drain(stream);
    expect(error).toBeUndefined();

    const deltas = contentDeltas(chunks);
    expect(deltas).toHaveLength(12);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "", refusal: null });
    expect(chunks.at(-2)?.choices).toEqual([
      { index: 0, delta: {}, logprobs: null, finish_reason: "stop" },
    ]);
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toEqual(chatUsage(4, 12));
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);

    const whole = await http.chat.completions.create({ model: "parley-demo", messages });
    expect(whole.choices).toEqual([
      {
        index: 0,
        message: { role: "assistant", content: deltas.join(""), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      },
    ]);
    expect(whole.usage).toEqual(chatUsage(4, 12));
    expect(mock.requests.map((r) => [r.api, r.stream, r.outcome, r.tokensSent])).toEqual([
      ["chat", true, "completed", 12],
      ["chat", false, "completed", 12],
    ]);
  });

  it("puts data: [DONE] last on the wire, and usage only when asked", async () => {
    const response = await fetch(`${server.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "parley-demo",
        messages: user("hi [[mock tokens=3]]"),
        stream: true,
      }),
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const events = (await response.text()).split("\n\n");
    expect(events.slice(-2)).toEqual(["data: [DONE]", ""]);
    const chunks = events.slice(0, -2).map((event) => JSON.parse(event.replace(/^data: /, "")));
    expect(chunks).toHaveLength(5); // role, 3 tokens, finish
    expect(chunks.every((chunk) => !("usage" in chunk))).toBe(true);
  });

  it("streams reasoning_content before the content for the reasoning model", async () => {
    const stream = await local.chat.completions.create({
      model: "parley-demo-reasoning",
      messages: user("Why is the sky blue? [[mock tokens=5 reasoning=4]]"),
      stream: true,
    });
    const { items: chunks } = await drain(stream);
    const kinds = chunks.flatMap((chunk) =>
      chunk.choices.flatMap((choice) => {
        const delta = choice.delta as { content?: string | null; reasoning_content?: string };
        if (delta.reasoning_content) return ["reasoning"];
        return delta.content ? ["content"] : [];
      }),
    );
    expect(kinds).toEqual([...Array(4).fill("reasoning"), ...Array(5).fill("content")]);
    expect(onlyRecord().tokensSent).toBe(9);
  });
});

describe("Responses API", () => {
  it("streams over HTTP: output_text deltas join into response.completed's text, with usage", async () => {
    const input = "Describe a quiet garden [[mock tokens=15]]";
    const stream = await http.responses.create({
      model: "parley-demo-responses",
      input,
      stream: true,
    });
    const { items: events, error } = await drain(stream);
    expect(error).toBeUndefined();

    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map((event) => event.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      ...Array(15).fill("response.output_text.delta"),
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const completed = events.at(-1);
    if (completed?.type !== "response.completed") throw new Error("no response.completed");
    const text = deltasOf(events, "output_text").join("");
    expect(completed.response.status).toBe("completed");
    expect(completed.response.output).toEqual([
      {
        id: expect.stringMatching(/^msg_/),
        type: "message",
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text, annotations: [], logprobs: [] }],
      },
    ]);
    expect(completed.response.usage).toEqual(responsesUsage(4, 15));

    const whole = await http.responses.create({ model: "parley-demo-responses", input });
    expect(whole.output_text).toBe(text);
    expect(whole.status).toBe("completed");
    expect(whole.usage).toEqual(responsesUsage(4, 15));
  });

  it("streams the reasoning summary before the text for the reasoning model", async () => {
    const stream = local.responses.stream({
      model: "parley-demo-reasoning",
      input: [
        { role: "user", content: [{ type: "input_text", text: "Plan a trip [[mock tokens=6]]" }] },
      ],
    });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalResponse();

    const types = events.map((event) => event.type);
    const reasoning = deltasOf(events, "reasoning_summary_text");
    expect(reasoning).toHaveLength(12); // the reasoning model's default
    expect(deltasOf(events, "output_text")).toHaveLength(6);
    expect(types.lastIndexOf("response.reasoning_summary_text.delta")).toBeLessThan(
      types.indexOf("response.output_text.delta"),
    );
    expect(final.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    expect(final.output[0]).toMatchObject({
      summary: [{ type: "summary_text", text: reasoning.join("") }],
    });
    expect(final.output_text).toBe(deltasOf(events, "output_text").join(""));
    expect(final.usage).toEqual(responsesUsage(3, 18, 12));
  });

  it("accepts instructions and a whole conversation as input", async () => {
    const response = await local.responses.create({
      model: "parley-demo-responses",
      instructions: "Be brief.",
      input: [
        { role: "user", content: "First question" },
        {
          role: "assistant",
          content: [{ type: "output_text", text: "First answer", annotations: [] }],
        },
        { role: "user", content: "Second question [[mock tokens=4 delay=0]]" },
      ],
    } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    expect(response.usage).toEqual(responsesUsage(8, 4));
    expect(response.instructions).toBe("Be brief.");
  });
});

describe("deterministic replies", () => {
  it("gives the same text for the same input and another for a different one", async () => {
    const ask = async (content: string, model = "parley-demo") =>
      (await local.chat.completions.create({ model, messages: user(content) })).choices[0]?.message
        .content;
    const first = await ask("What is a branch?");
    expect(first).toMatch(/^[A-Z`*].*\.$/s);
    expect(await ask("What is a branch?")).toBe(first);
    expect(await ask("What is a tree?")).not.toBe(first);
    expect(await ask("What is a branch?", "parley-demo-vision")).not.toBe(first);
    // Over HTTP the same body gives the same text too.
    const overHttp = await http.chat.completions.create({
      model: "parley-demo",
      messages: user("What is a branch?"),
    });
    expect(overHttp.choices[0]?.message.content).toBe(first);
  });

  it("sends exactly tokens=N tokens, and metadata sets options too (the message directive wins)", async () => {
    const count = async (content: string, metadata?: Record<string, string>) => {
      const stream = await local.chat.completions.create({
        model: "parley-demo",
        messages: user(content),
        stream: true,
        ...(metadata ? { metadata } : {}),
      });
      return contentDeltas((await drain(stream)).items).length;
    };
    expect(await count("Count [[mock tokens=7]]")).toBe(7);
    expect(await count("Count [[mock tokens=1]]")).toBe(1);
    expect(await count("Count")).toBe(20); // the upstream's default
    expect(await count("Count", { mock_tokens: "9" })).toBe(9);
    expect(await count("Count [[mock tokens=3]]", { mock_tokens: "9" })).toBe(3);
  });

  it("answers a short title request quickly at the default pace", async () => {
    const paced = createMockUpstream(); // 15 ms per token
    const client = new OpenAI({ apiKey: "t", baseURL: "http://m.invalid/v1", fetch: paced.fetch });
    const started = performance.now();
    const reply = await client.chat.completions.create({
      model: "parley-demo",
      messages: user("Title for: how do tides work? [[mock tokens=6]]"),
    });
    const elapsed = performance.now() - started;
    expect(reply.usage?.completion_tokens).toBe(6);
    expect(elapsed).toBeGreaterThanOrEqual(6 * 15 - 5);
    expect(elapsed).toBeLessThan(1000);
  });

  it("cuts the answer at max tokens: a prefix of the whole answer, finish_reason length", async () => {
    const messages = user("Explain tides [[mock tokens=20 delay=0]]");
    const whole = await local.chat.completions.create({ model: "parley-demo", messages });
    const cut = await local.chat.completions.create({
      model: "parley-demo",
      messages,
      max_tokens: 7,
    });
    const stream = await local.chat.completions.create({
      model: "parley-demo",
      messages,
      max_completion_tokens: 7,
      stream: true,
    });
    const { items: chunks } = await drain(stream);

    expect(cut.choices[0]?.finish_reason).toBe("length");
    expect(cut.usage?.completion_tokens).toBe(7);
    expect(contentDeltas(chunks)).toHaveLength(7);
    expect(contentDeltas(chunks).join("")).toBe(cut.choices[0]?.message.content);
    expect(
      whole.choices[0]?.message.content?.startsWith(cut.choices[0]?.message.content ?? "-"),
    ).toBe(true);
    expect(chunks.flatMap((chunk) => chunk.choices.map((c) => c.finish_reason)).at(-1)).toBe(
      "length",
    );
  });

  it("cuts a Responses answer at max_output_tokens: status incomplete, reason max_output_tokens", async () => {
    const input = "Explain tides [[mock tokens=30 delay=0]]";
    const stream = await local.responses.create({
      model: "parley-demo-responses",
      input,
      max_output_tokens: 16,
      stream: true,
    });
    const { items: events } = await drain(stream);
    const last = events.at(-1);
    if (last?.type !== "response.incomplete") throw new Error(`ended with ${last?.type}`);
    expect(deltasOf(events, "output_text")).toHaveLength(16);
    expect(last.response.status).toBe("incomplete");
    expect(last.response.incomplete_details).toEqual({ reason: "max_output_tokens" });

    const whole = await local.responses.create({
      model: "parley-demo-responses",
      input,
      max_output_tokens: 16,
    });
    expect(whole.status).toBe("incomplete");
    expect(whole.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(whole.output_text).toBe(deltasOf(events, "output_text").join(""));
    expect(whole.usage?.output_tokens).toBe(16);

    // As on OpenAI, the Responses API refuses limits below 16.
    await expect(
      local.responses.create({ model: "parley-demo-responses", input, max_output_tokens: 10 }),
    ).rejects.toMatchObject({
      status: 400,
      code: "integer_below_min_value",
      param: "max_output_tokens",
    });
  });
});

describe("faults", () => {
  it("fail=before: the SDK throws an APIError with status 500, and one request is recorded", async () => {
    const attempt = http.chat.completions.create({
      model: "parley-demo",
      messages: user("Hello [[mock fail=before]]"),
      stream: true,
    });
    await expect(attempt).rejects.toBeInstanceOf(APIError);
    await expect(attempt).rejects.toMatchObject({
      status: 500,
      code: "mock_failure",
      type: "server_error",
      message: "500 Mock upstream failure (fail=before).",
    });
    const record = onlyRecord();
    expect(record.outcome).toBe("failed");
    expect(await record.finished).toBe("failed");
    expect(record.tokensSent).toBe(0);
  });

  it("fail=before with status=503 answers 503, on the Responses API too", async () => {
    const attempt = local.responses.create({
      model: "parley-demo-responses",
      input: "Hello [[mock fail=before status=503]]",
    });
    await expect(attempt).rejects.toMatchObject({ status: 503, code: "mock_failure" });
    expect(onlyRecord().outcome).toBe("failed");
  });

  it("fail=after:5 on Chat Completions: 5 text deltas, then the SDK throws", async () => {
    const stream = await http.chat.completions.create({
      model: "parley-demo",
      messages: user("Hello [[mock tokens=20 fail=after:5]]"),
      stream: true,
    });
    const { items, error } = await drain(stream);
    expect(contentDeltas(items)).toHaveLength(5);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({
      status: undefined,
      code: "mock_failure",
      message: "Mock upstream failure (fail=after:5).",
    });
    const record = onlyRecord();
    expect(await record.finished).toBe("failed");
    expect(record.tokensSent).toBe(5);
  });

  it("fail=after:5 on the Responses API: 5 text deltas, then the SDK throws", async () => {
    const stream = await local.responses.create({
      model: "parley-demo-responses",
      input: "Hello [[mock tokens=20 fail=after:5]]",
      stream: true,
    });
    const { items, error } = await drain(stream);
    expect(deltasOf(items, "output_text")).toHaveLength(5);
    expect(items.at(-1)?.type).toBe("response.output_text.delta");
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({
      code: "mock_failure",
      message: "Mock upstream failure (fail=after:5).",
    });
    expect(await onlyRecord().finished).toBe("failed");
  });

  it("fail=after:N without streaming is an HTTP error", async () => {
    await expect(
      local.chat.completions.create({
        model: "parley-demo",
        messages: user("Hi [[mock fail=after:2]]"),
      }),
    ).rejects.toMatchObject({ status: 500, code: "mock_failure" });
  });

  it("refuses a malformed directive with a 400 that names the problem", async () => {
    await expect(
      local.chat.completions.create({
        model: "parley-demo",
        messages: user("Hi [[mock token=5]]"),
      }),
    ).rejects.toMatchObject({
      status: 400,
      code: "invalid_mock_directive",
      message: expect.stringContaining('unknown key "token"'),
    });
  });
});

describe("aborts and hangs", () => {
  async function abortMidStream(client: OpenAI) {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: "parley-demo",
        messages: user("Long story [[mock tokens=500 delay=5]]"),
        stream: true,
      },
      { signal: controller.signal },
    );
    let received = 0;
    let abortedAt = 0;
    // The SDK ends the loop quietly when its own request is aborted.
    for await (const chunk of stream) {
      received += contentDeltas([chunk]).length;
      if (received === 3) {
        abortedAt = performance.now();
        controller.abort();
      }
    }
    const record = onlyRecord();
    expect(await record.finished).toBe("aborted");
    expect(record.outcome).toBe("aborted");
    expect((record.abortedAt ?? Number.NaN) - abortedAt).toBeLessThan(100);
    const sent = record.tokensSent;
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(sent).toBeLessThan(3 + 100 / 5); // at most the 100 ms allowed above
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(record.tokensSent).toBe(sent); // no work after the abort
  }

  it("records an aborted stream as aborted at once, over HTTP", async () => {
    await abortMidStream(http);
  });

  it("records an aborted stream as aborted at once, in-process", async () => {
    await abortMidStream(local);
  });

  it("fail=hang sends headers and nothing else until the client aborts (HTTP and in-process)", async () => {
    for (const client of [http, local]) {
      mock.clear();
      const controller = new AbortController();
      const stream = await client.responses.create(
        { model: "parley-demo-responses", input: "Hi [[mock fail=hang]]", stream: true },
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 30);
      const { items, error } = await drain(stream);
      expect(items).toEqual([]);
      expect(error).toBeUndefined();
      const record = onlyRecord();
      expect(await record.finished).toBe("aborted");
      expect(record.tokensSent).toBe(0);
    }
  });

  it("fail=hang-after:3 streams 3 tokens, then waits for the abort", async () => {
    const controller = new AbortController();
    const stream = await http.chat.completions.create(
      { model: "parley-demo", messages: user("Hi [[mock fail=hang-after:3]]"), stream: true },
      { signal: controller.signal },
    );
    const received: string[] = [];
    for await (const chunk of stream) {
      received.push(...contentDeltas([chunk]));
      if (received.length === 3) setTimeout(() => controller.abort(), 30);
    }
    expect(received).toHaveLength(3);
    expect(await onlyRecord().finished).toBe("aborted");
    expect(onlyRecord().tokensSent).toBe(3);
  });

  it("a non-streamed hang rejects with APIUserAbortError when the caller aborts", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(
      local.chat.completions.create(
        { model: "parley-demo", messages: user("Hi [[mock fail=hang]]") },
        { signal: controller.signal },
      ),
    ).rejects.toBeInstanceOf(APIUserAbortError);
    expect(await onlyRecord().finished).toBe("aborted");
  });

  it("closing the HTTP server ends open streams and records them as aborted", async () => {
    const stream = await http.chat.completions.create({
      model: "parley-demo",
      messages: user("Hi [[mock fail=hang-after:2]]"),
      stream: true,
    });
    const reading = drain(stream);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await server.close();
    const { items, error } = await reading;
    expect(contentDeltas(items)).toHaveLength(2);
    expect(error).toBeInstanceOf(Error); // the connection dropped mid-body
    expect(await onlyRecord().finished).toBe("aborted");
  });
});

describe("requests the mock refuses", () => {
  it("answers 400 to image parts for a non-vision model, and accepts them on the vision model", async () => {
    const messages = [
      {
        role: "user" as const,
        content: [
          { type: "text" as const, text: "What is in this picture? [[mock tokens=4]]" },
          { type: "image_url" as const, image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
        ],
      },
    ];
    await expect(
      local.chat.completions.create({ model: "parley-demo", messages }),
    ).rejects.toMatchObject({
      status: 400,
      code: "image_input_not_supported",
      message: expect.stringContaining("does not accept image inputs"),
    });
    const reply = await local.chat.completions.create({ model: "parley-demo-vision", messages });
    expect(reply.usage?.completion_tokens).toBe(4);
    expect(mock.requests.map((r) => [r.model, r.outcome])).toEqual([
      ["parley-demo", "failed"],
      ["parley-demo-vision", "completed"],
    ]);
    expect(mock.requests[1]?.body).toEqual({ model: "parley-demo-vision", messages });

    await expect(
      local.responses.create({
        model: "parley-demo-reasoning",
        input: [
          {
            role: "user",
            content: [
              { type: "input_image", image_url: "https://example.com/a.png", detail: "auto" },
            ],
          },
        ],
      }),
    ).rejects.toMatchObject({ status: 400, code: "image_input_not_supported" });
  });

  it("answers an unknown model with 404 model_not_found", async () => {
    await expect(
      http.chat.completions.create({ model: "gpt-unknown", messages: user("Hi") }),
    ).rejects.toMatchObject({ status: 404, code: "model_not_found" });
    await expect(
      http.responses.create({ model: "gpt-unknown", input: "Hi" }),
    ).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
  });

  it("answers missing fields, bad JSON and unknown routes in OpenAI's error shape", async () => {
    const post = async (path: string, body: string) => {
      const response = await fetch(`${server.baseURL}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      return { status: response.status, body: await response.json() };
    };
    expect(await post("/chat/completions", JSON.stringify({ model: "parley-demo" }))).toEqual({
      status: 400,
      body: {
        error: {
          message: "Missing required parameter: 'messages'.",
          type: "invalid_request_error",
          param: "messages",
          code: "missing_required_parameter",
        },
      },
    });
    expect(
      await post("/responses", JSON.stringify({ model: "parley-demo-responses" })),
    ).toMatchObject({
      status: 400,
      body: { error: { param: "input", code: "missing_required_parameter" } },
    });
    expect(await post("/chat/completions", JSON.stringify({ messages: user("Hi") }))).toMatchObject(
      {
        status: 400,
        body: { error: { param: "model", type: "invalid_request_error" } },
      },
    );
    expect(await post("/responses", "{not json")).toMatchObject({
      status: 400,
      body: { error: { message: "We could not parse the JSON body of your request." } },
    });
    expect(await post("/embeddings", "{}")).toEqual({
      status: 404,
      body: {
        error: {
          message: "Invalid URL (POST /v1/embeddings)",
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      },
    });
    expect(mock.requests.map((r) => [r.api, r.outcome])).toEqual([
      ["chat", "failed"],
      ["responses", "failed"],
      ["chat", "failed"],
      ["responses", "failed"],
      ["unknown", "failed"],
    ]);
    expect(mock.requests[3]?.body).toBe("{not json");
  });
});

describe("models", () => {
  it("lists MOCK_MODELS through client.models.list() and retrieves one", async () => {
    const listed = [];
    for await (const model of http.models.list()) listed.push(model);
    expect(listed).toEqual(
      MOCK_MODELS.map((model) => ({
        id: model.id,
        object: "model",
        created: expect.any(Number),
        owned_by: "parley",
      })),
    );
    expect(MOCK_MODELS.map((model) => model.id)).toEqual([
      "parley-demo",
      "parley-demo-responses",
      "parley-demo-reasoning",
      "parley-demo-vision",
    ]);
    expect(await local.models.retrieve("parley-demo-vision")).toMatchObject({
      id: "parley-demo-vision",
    });
    await expect(local.models.retrieve("nope")).rejects.toMatchObject({ status: 404 });
    expect(mock.requests.map((r) => [r.api, r.model, r.outcome])).toEqual([
      ["models", undefined, "completed"],
      ["models", "parley-demo-vision", "completed"],
      ["models", "nope", "failed"],
    ]);
  });
});

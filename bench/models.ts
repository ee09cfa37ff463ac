// The two models Parley is configured with for the benchmark: one per upstream API, both served
// by the mock upstream over HTTP.

export const BENCH_MODELS = [
  { api: "chat", id: "bench-chat", upstreamModel: "parley-demo" },
  { api: "responses", id: "bench-responses", upstreamModel: "parley-demo-responses" },
] as const;

export type BenchApi = (typeof BENCH_MODELS)[number]["api"];

/** The MODELS setting (JSON) pointing both models at the mock upstream at `baseURL`. */
export function modelsSetting(baseURL: string): string {
  return JSON.stringify(
    BENCH_MODELS.map((model) => ({
      id: model.id,
      upstreamModel: model.upstreamModel,
      baseURL,
      apiKey: "bench",
      api: model.api,
    })),
  );
}

/** The user message of one benchmark stream: a tag the mock can read, and the mock's pacing. */
export function benchPrompt(tag: string, tokens: number, delayMs: number): string {
  return `bench ${tag} [[mock tokens=${tokens} delay=${delayMs}]]`;
}

const TAG = /bench (b[\w-]+)/g;

/** The tag of the last benchmark message in a request body, if any. */
export function tagIn(body: string): string | undefined {
  let tag: string | undefined;
  for (const match of body.matchAll(TAG)) tag = match[1];
  return tag;
}

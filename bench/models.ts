// The two models Parley is configured with for the benchmark: one per upstream API, both served
// by the benchmark's upstream over HTTP.

export const BENCH_MODELS = [
  { api: "chat", id: "bench-chat" },
  { api: "responses", id: "bench-responses" },
] as const;

export type BenchApi = (typeof BENCH_MODELS)[number]["api"];

export function modelFor(api: BenchApi): string {
  return BENCH_MODELS.find((model) => model.api === api)?.id ?? api;
}

/** The MODELS setting (JSON) pointing both models at the upstream at `baseURL`. */
export function modelsSetting(baseURL: string): string {
  return JSON.stringify(
    BENCH_MODELS.map((model) => ({
      id: model.id,
      upstreamModel: model.id,
      baseURL,
      apiKey: "bench",
      api: model.api,
    })),
  );
}

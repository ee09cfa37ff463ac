// A mock OpenAI-compatible upstream that speaks the real Chat Completions and Responses wire
// formats, so the official `openai` SDK parses it unchanged. Used by demo mode (in-process via
// `mock.fetch`), tests and benchmarks (`listenMockUpstream` for real HTTP).
//
// Replies are deterministic placeholder prose seeded by a hash of model + prompt. Per request,
// a directive anywhere in the last user message, or `metadata: { mock_<key>: "<value>" }`,
// selects pacing and faults (the directive wins over metadata):
//
//   [[mock tokens=50 delay=5 reasoning=10 fail=after:12 status=503]]
//
//   tokens=N          answer tokens (default: the upstream's `defaultTokens`, 40)
//   delay=MS          milliseconds before each token (default `defaultTokenDelayMs`, 15; 0 ok)
//   reasoning=N       reasoning tokens streamed first (reasoning models 12, others 0)
//   fail=before       HTTP `status` error instead of a reply
//   fail=after:N      N answer tokens, then a mid-stream error event (HTTP error if not streamed)
//   fail=hang         headers, then silence until the client aborts
//   fail=hang-after:N N answer tokens, then silence until the client aborts
//   status=CODE       status for fail=before (and non-streamed fail=after); default 500
//                     (a 429 comes with `Retry-After: 7`)
//
// Unknown keys or bad values are answered 400 (`invalid_mock_directive`).
//
// In demo mode (the registry's own mock, `demo` set) a request with no directive gets the demo's
// tour of Parley (demo.ts) instead of placeholder prose.

export { type DemoOptions, providerDocs } from "./demo.ts";
export { listenMockUpstream, type MockUpstreamServer } from "./http.ts";
export { MOCK_MODELS, type MockModel } from "./models.ts";
export type { MockOutcome, MockRequestRecord } from "./records.ts";
export { createMockUpstream, type MockUpstream, type MockUpstreamOptions } from "./upstream.ts";
export { MOCK_RETRY_AFTER_SECONDS } from "./wire.ts";

// What the mock remembers about each request, for tests and benchmarks to assert on.

export type MockOutcome = "pending" | "completed" | "aborted" | "failed";

export interface MockRequestRecord {
  /** Also sent as the `x-request-id` response header (the SDK exposes it as `requestID`). */
  id: string;
  /** `unknown`: a route the mock does not serve (answered 404), recorded to show what was asked. */
  api: "chat" | "responses" | "models" | "unknown";
  path: string;
  model: string | undefined;
  /** The parsed JSON body exactly as received; the raw text when it was not JSON. */
  body: unknown;
  /** The body's text as it arrived ("" for none), for byte-for-byte comparisons. */
  rawBody: string;
  stream: boolean;
  /** `performance.now()` milliseconds (monotonic; compare with `abortedAt`). */
  receivedAt: number;
  outcome: MockOutcome;
  /** `performance.now()` when the client went away before the response was complete. */
  abortedAt?: number;
  /** Output tokens sent so far, reasoning included (the same number usage reports). */
  tokensSent: number;
  /** Resolves when the response ends for any reason. */
  finished: Promise<MockRequestRecord["outcome"]>;
}

/** The handlers' side of a record. */
export interface RequestControl {
  readonly record: MockRequestRecord;
  /** Decides the outcome before the last bytes go out, so a client that hangs up right after
   * reading them (the SDK aborts as soon as it sees an error event) is not counted as aborted. */
  settle(outcome: "completed" | "failed"): void;
  /** The client went away: `aborted` unless already settled. Ends the response. */
  abort(): void;
  /** The response is over; a still-pending outcome becomes `completed`. */
  end(): void;
}

export function createRequestControl(
  fields: Pick<MockRequestRecord, "id" | "api" | "path" | "model" | "body" | "rawBody" | "stream">,
): RequestControl {
  let resolveFinished: (outcome: MockOutcome) => void = () => {};
  const finished = new Promise<MockOutcome>((resolve) => {
    resolveFinished = resolve;
  });
  const record: MockRequestRecord = {
    ...fields,
    receivedAt: performance.now(),
    outcome: "pending",
    tokensSent: 0,
    finished,
  };
  let ended = false;

  const control: RequestControl = {
    record,
    settle(outcome) {
      if (record.outcome === "pending") record.outcome = outcome;
    },
    abort() {
      if (record.outcome === "pending") {
        record.outcome = "aborted";
        record.abortedAt = performance.now();
      }
      control.end();
    },
    end() {
      if (ended) return;
      ended = true;
      control.settle("completed");
      resolveFinished(record.outcome);
    },
  };
  return control;
}

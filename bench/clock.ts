// One clock for every process of the benchmark: wall-clock milliseconds with microsecond
// resolution. The upstream writes this time into every token it sends, so a client in another
// process computes the token's lag from the text alone. Each process's offset from the system
// clock is fixed when it starts and is the same for every target a client reads, so it cancels
// out of the delay a target adds (target lag − direct lag).

import { performance } from "node:perf_hooks";

/** Milliseconds since the epoch, microsecond resolution, monotonic within a process. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

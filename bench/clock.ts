// One clock for every process of the benchmark. `process.hrtime` reads CLOCK_MONOTONIC on Linux,
// which all processes of a machine share, so a time taken in the mock upstream's process can be
// subtracted from one taken in the client's.

/** Milliseconds (microsecond resolution) on the machine-wide monotonic clock. */
export function now(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

// How busy a process was during a phase: CPU time, event-loop utilisation and event-loop delay.

import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { now } from "./clock.ts";

export interface ProcessStats {
  wallMs: number;
  /** User + system CPU time. */
  cpuMs: number;
  /** Event-loop utilisation: time the loop was busy vs idle. */
  eluActiveMs: number;
  eluIdleMs: number;
  /** How late a 10 ms timer fired (p99 and worst), a symptom of a blocked loop. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  rssMb: number;
}

export function createProbe() {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let cpu = process.cpuUsage();
  let elu = performance.eventLoopUtilization();
  let started = now();
  return {
    start() {
      delay.reset();
      cpu = process.cpuUsage();
      elu = performance.eventLoopUtilization();
      started = now();
    },
    read(): ProcessStats {
      const used = process.cpuUsage(cpu);
      const loop = performance.eventLoopUtilization(elu);
      return {
        wallMs: now() - started,
        cpuMs: (used.user + used.system) / 1000,
        eluActiveMs: loop.active,
        eluIdleMs: loop.idle,
        loopDelayP99Ms: delay.count > 0 ? delay.percentile(99) / 1e6 : 0,
        loopDelayMaxMs: delay.count > 0 ? delay.max / 1e6 : 0,
        rssMb: process.memoryUsage.rss() / 2 ** 20,
      };
    },
  };
}

/** Several phases' stats as one. */
export function addStats(a: ProcessStats | undefined, b: ProcessStats): ProcessStats {
  if (!a) return b;
  return {
    wallMs: a.wallMs + b.wallMs,
    cpuMs: a.cpuMs + b.cpuMs,
    eluActiveMs: a.eluActiveMs + b.eluActiveMs,
    eluIdleMs: a.eluIdleMs + b.eluIdleMs,
    loopDelayP99Ms: Math.max(a.loopDelayP99Ms, b.loopDelayP99Ms),
    loopDelayMaxMs: Math.max(a.loopDelayMaxMs, b.loopDelayMaxMs),
    rssMb: Math.max(a.rssMb, b.rssMb),
  };
}

/**
 * Resolves once this process (every thread) has used under `maxShare` of one core for `windowMs`
 * in a row, or after `timeoutMs`: what a batch left behind (final saves, titles, garbage) is done
 * before the next target's batch is timed.
 */
export async function settle({
  windowMs = 100,
  maxShare = 0.05,
  timeoutMs = 10_000,
} = {}): Promise<number> {
  const started = now();
  for (;;) {
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const used = process.cpuUsage(before);
    const share = (used.user + used.system) / 1000 / windowMs;
    if (share < maxShare || now() - started > timeoutMs) return now() - started;
  }
}

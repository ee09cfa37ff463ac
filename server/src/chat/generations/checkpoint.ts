/**
 * Writes at most once per `intervalMs`: `touch()` after a change schedules a write; `stop()`
 * cancels any pending one and waits for a write in progress.
 */
export function createCheckpoint(
  write: () => Promise<void>,
  intervalMs: number,
  onError: (error: unknown) => void,
  now: () => number = () => performance.now(),
) {
  let timer: NodeJS.Timeout | undefined;
  let lastWrite = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> = Promise.resolve();
  let stopped = false;
  return {
    touch() {
      if (timer || stopped) return;
      const wait = Math.max(0, lastWrite + intervalMs - now());
      timer = setTimeout(() => {
        timer = undefined;
        lastWrite = now();
        inFlight = inFlight.then(write).catch(onError);
      }, wait);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
  };
}

export type Checkpoint = ReturnType<typeof createCheckpoint>;

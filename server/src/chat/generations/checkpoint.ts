// Checkpoints of the answers being written, for every generation of an instance together: at
// most one write per interval, which saves every answer changed since the last one in a single
// statement. A hundred answers streaming at once cost one statement a second, not a hundred;
// each answer is still saved at most an interval after it changed, so a crash loses at most an
// interval of text.

/** Writes the given answers (keyed by message id), as they are now, in one go. */
export type WriteAnswers<Answer> = (answers: ReadonlyMap<string, Answer>) => Promise<void>;

export interface Checkpoint {
  /** The answer changed: it is written with the next write (at once if none is due). */
  touch(): void;
  /** No more writes of this answer; waits for a write in progress (the final save follows). */
  stop(): Promise<void>;
}

export function createCheckpointWriter<Answer>(
  write: WriteAnswers<Answer>,
  intervalMs: number,
  onError: (error: unknown, count: number) => void,
  now: () => number = () => performance.now(),
) {
  /** The answers changed since the last write, each read when the write starts. */
  const changed = new Map<string, { read: () => Answer; changed: boolean }>();
  let timer: NodeJS.Timeout | undefined;
  let lastWrite = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> = Promise.resolve();

  function schedule() {
    if (timer) return;
    const wait = Math.max(0, lastWrite + intervalMs - now());
    timer = setTimeout(() => {
      timer = undefined;
      lastWrite = now();
      inFlight = inFlight.then(writeChanged);
    }, wait);
    // A due write of answers that all stopped meanwhile writes nothing: no reason to stay up.
    timer.unref();
  }

  async function writeChanged() {
    if (changed.size === 0) return;
    const answers = new Map<string, Answer>();
    for (const [key, answer] of changed) {
      answers.set(key, answer.read());
      answer.changed = false;
    }
    changed.clear();
    try {
      await write(answers);
    } catch (error) {
      onError(error, answers.size);
    }
  }

  return {
    /** The checkpoint of one answer, read by `read` whenever it is written. */
    track(key: string, read: () => Answer): Checkpoint {
      let stopped = false;
      const answer = { read, changed: false };
      return {
        // Called for every token: once it is marked changed, nothing more to do.
        touch() {
          if (stopped || answer.changed) return;
          answer.changed = true;
          changed.set(key, answer);
          schedule();
        },
        async stop() {
          stopped = true;
          if (changed.get(key) === answer) changed.delete(key);
          await inFlight;
        },
      };
    },
  };
}

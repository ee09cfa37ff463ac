// The checkpoints of the answers being written: saved at most once a second while tokens
// arrive, so a crash loses a second at most and a fast stream costs one write a second, not one
// a token; the answers of every generation changed meanwhile go in that one write; stopped
// before the final save, which never races a checkpoint.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCheckpointWriter } from "../src/chat/generations/checkpoint.ts";

const INTERVAL = 1_000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

interface Write {
  start: number;
  end?: number;
  /** What was written: message id → answer. */
  answers: Map<string, string>;
}

/** A writer whose writes are recorded (start and end times, answers) and take `writeMs`. */
function recordedWriter(writeMs = 0, fail = false) {
  const writes: Write[] = [];
  const errors: unknown[] = [];
  const writer = createCheckpointWriter<string>(
    async (answers) => {
      const write: Write = { start: Date.now(), answers: new Map(answers) };
      writes.push(write);
      if (writeMs > 0) await new Promise((resolve) => setTimeout(resolve, writeMs));
      write.end = Date.now();
      if (fail) throw new Error("database down");
    },
    INTERVAL,
    (error) => errors.push(error),
    () => Date.now(),
  );
  return { writer, writes, errors };
}

/** One answer's checkpoint, alone on its writer. */
function recorded(writeMs = 0, fail = false) {
  const { writer, writes, errors } = recordedWriter(writeMs, fail);
  return { checkpoint: writer.track("m1", () => "text"), writes, errors };
}

describe("the checkpoint of an answer being written", () => {
  it("writes nothing until something changed", async () => {
    const { writes } = recorded();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(writes).toEqual([]);
  });

  it("writes the first change at once, then waits out the interval", async () => {
    const { checkpoint, writes } = recorded();
    const start = Date.now();
    checkpoint.touch();
    expect(writes).toHaveLength(0); // not in the caller's turn: the token is sent first
    await vi.advanceTimersByTimeAsync(0);
    expect(writes.map((w) => w.start - start)).toEqual([0]);
    checkpoint.touch();
    checkpoint.touch();
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes.map((w) => w.start - start)).toEqual([0, INTERVAL]);
  });

  it("writes at most once a second however fast the tokens come", async () => {
    const { checkpoint, writes } = recorded();
    const start = Date.now();
    // A token every 10 ms for 5.5 s.
    for (let t = 0; t < 5_500; t += 10) {
      checkpoint.touch();
      await vi.advanceTimersByTimeAsync(10);
    }
    const starts = writes.map((w) => w.start - start);
    expect(starts).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000]);
  });

  it("after a quiet spell, writes the next change at once", async () => {
    const { checkpoint, writes } = recorded();
    const start = Date.now();
    checkpoint.touch();
    await vi.advanceTimersByTimeAsync(3_000);
    checkpoint.touch();
    await vi.advanceTimersByTimeAsync(0);
    expect(writes.map((w) => w.start - start)).toEqual([0, 3_000]);
  });

  it("never runs two writes at once: a slow write delays the next", async () => {
    const { checkpoint, writes } = recorded(1_500);
    const start = Date.now();
    checkpoint.touch();
    await vi.advanceTimersByTimeAsync(100);
    checkpoint.touch(); // due at 1,000, while the first write runs until 1,500
    await vi.advanceTimersByTimeAsync(5_000);
    expect(writes.map((w) => [w.start - start, (w.end ?? Number.NaN) - start])).toEqual([
      [0, 1_500],
      [1_500, 3_000],
    ]);
  });

  it("on stop, drops a pending write and waits for the one in progress", async () => {
    const { checkpoint, writes } = recorded(300);
    checkpoint.touch();
    await vi.advanceTimersByTimeAsync(100); // the first write is running
    checkpoint.touch(); // pending, due at 1,000
    let stopped = false;
    const stopping = checkpoint.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false); // the final save must not overlap the running write
    await vi.advanceTimersByTimeAsync(100);
    await stopping;
    expect(writes).toHaveLength(1);
    expect(writes[0]?.end).toBeDefined();
    // Nothing more after stop, whatever is touched.
    checkpoint.touch();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(writes).toHaveLength(1);
  });

  it("reports a failed write and keeps checkpointing", async () => {
    const { checkpoint, writes, errors } = recorded(0, true);
    checkpoint.touch();
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual([new Error("database down")]);
    checkpoint.touch();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(writes).toHaveLength(2);
    expect(errors).toHaveLength(2);
    await expect(checkpoint.stop()).resolves.toBeUndefined();
  });
});

describe("the checkpoints of many answers at once", () => {
  it("writes every answer changed since the last write in one write, as it is then", async () => {
    const { writer, writes } = recordedWriter();
    const texts = new Map<string, string>();
    const checkpoints = ["a", "b", "c"].map((id) => {
      texts.set(id, "");
      return [id, writer.track(id, () => texts.get(id) ?? "")] as const;
    });
    const start = Date.now();
    // A token for each answer every 10 ms for 2.5 s.
    for (let t = 0; t < 2_500; t += 10) {
      for (const [id, checkpoint] of checkpoints) {
        texts.set(id, `${texts.get(id)}x`);
        checkpoint.touch();
      }
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(writes.map((w) => w.start - start)).toEqual([0, 1_000, 2_000]);
    // Each write has all three, as they were when it started.
    expect(writes.map((w) => [...w.answers.keys()])).toEqual([
      ["a", "b", "c"],
      ["a", "b", "c"],
      ["a", "b", "c"],
    ]);
    expect(writes.map((w) => w.answers.get("b")?.length)).toEqual([1, 100, 200]);
  });

  it("leaves out answers that did not change, and stopped ones", async () => {
    const { writer, writes } = recordedWriter();
    const quiet = writer.track("quiet", () => "q");
    const busy = writer.track("busy", () => "b");
    const done = writer.track("done", () => "d");
    quiet.touch();
    busy.touch();
    done.touch();
    await vi.advanceTimersByTimeAsync(0);
    busy.touch();
    done.touch();
    await done.stop();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(writes.map((w) => [...w.answers.keys()])).toEqual([["quiet", "busy", "done"], ["busy"]]);
  });
});

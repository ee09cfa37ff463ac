// What survives a reload of a page that was streaming: the last event id and the text up to
// exactly that event, per generation, for this tab (sessionStorage).

import { session } from "../../lib/storage.ts";
import type { ShownStep } from "../tools/ToolSteps.tsx";

export interface Snapshot {
  lastEventId: string;
  text: string;
  reasoning: string;
  /** The tool calls up to that event (older snapshots have none). */
  steps?: ShownStep[];
}

const keyOf = (generationId: string) => `parley.generation.${generationId}`;

export function readSnapshot(generationId: string): Snapshot | undefined {
  const value = session.get(keyOf(generationId)) as Partial<Snapshot> | undefined;
  if (
    typeof value?.lastEventId === "string" &&
    value.lastEventId.startsWith(`${generationId}:`) &&
    typeof value.text === "string" &&
    typeof value.reasoning === "string"
  ) {
    return value as Snapshot;
  }
  return undefined;
}

/** Saves the snapshot, or forgets it (undefined). */
export function writeSnapshot(generationId: string, snapshot: Snapshot | undefined): void {
  session.set(keyOf(generationId), snapshot);
}

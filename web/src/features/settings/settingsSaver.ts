import type { Settings } from "@parley/shared";
import { errorText } from "../../lib/errors.ts";

export type SettingsPatch = Partial<Settings>;

export type SaveStatus = "idle" | "waiting" | "saving" | "saved" | "error";

/** What is not on the server yet, and how the last save went. Replaced whole on every change. */
export interface SaveState {
  /** Changes waiting for the debounce to end. */
  pending: SettingsPatch;
  /** Changes in the request now on its way. */
  inflight: SettingsPatch | null;
  /** Changes the server refused or never got; `retry()` sends them again. */
  failed: SettingsPatch | null;
  status: SaveStatus;
  error: string | null;
}

export interface SettingsSaver {
  getState(): SaveState;
  subscribe(listener: () => void): () => void;
  /** Shows the change at once (through `pending`) and saves it with the others after a pause. */
  update(patch: SettingsPatch): void;
  /** Sends what is pending now, without waiting for the pause to end. */
  flush(): void;
  /** Queues the failed changes again and sends them. */
  retry(): void;
}

export interface SettingsSaverOptions {
  /** Sends one merged update (settings.update) and resolves with the settings the server kept. */
  send(patch: SettingsPatch): Promise<Settings>;
  /** Called with the server's answer after each successful save. */
  onSaved(settings: Settings): void;
  /** Called just before a request goes out (to cancel settings reads it would race). */
  onSend?(): void;
  /** The pause after the last change before saving. */
  delayMs?: number;
}

export const SAVE_DELAY_MS = 600;

const isEmpty = (patch: SettingsPatch) => Object.keys(patch).length === 0;

/**
 * Debounces and merges settings changes: every change made within `delayMs` of the previous one
 * goes out in a single `settings.update`, and at most one request is in flight at a time (later
 * changes wait for it, so the server applies them in order). Listeners are told synchronously,
 * so a controlled input shows its new value in the same event.
 */
export function createSettingsSaver(options: SettingsSaverOptions): SettingsSaver {
  const delayMs = options.delayMs ?? SAVE_DELAY_MS;
  const listeners = new Set<() => void>();
  let state: SaveState = {
    pending: {},
    inflight: null,
    failed: null,
    status: "idle",
    error: null,
  };
  let timer: ReturnType<typeof setTimeout> | undefined;

  const set = (next: Partial<SaveState>) => {
    state = { ...state, ...next };
    for (const listener of listeners) listener();
  };

  const schedule = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(flush, delayMs);
  };

  function flush() {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    // The request in flight sends the rest when it ends.
    if (state.inflight || isEmpty(state.pending)) return;
    const patch = state.pending;
    set({ pending: {}, inflight: patch, status: "saving" });
    options.onSend?.();
    options.send(patch).then(
      (saved) => {
        options.onSaved(saved);
        set({
          inflight: null,
          status: isEmpty(state.pending) ? (state.failed ? "error" : "saved") : "waiting",
        });
        afterRequest();
      },
      (error: unknown) => {
        set({
          inflight: null,
          failed: { ...state.failed, ...patch },
          status: "error",
          error: errorText(error),
        });
        afterRequest();
      },
    );
  }

  // Changes made while the request was out: send them now unless their pause is still running.
  const afterRequest = () => {
    if (!isEmpty(state.pending) && timer === undefined) flush();
  };

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    update(patch) {
      // A newer value for a field that failed replaces the failed one.
      let failed = state.failed;
      if (failed) {
        const rest: SettingsPatch = { ...failed };
        for (const key of Object.keys(patch) as (keyof Settings)[]) delete rest[key];
        failed = isEmpty(rest) ? null : rest;
      }
      set({
        pending: { ...state.pending, ...patch },
        failed,
        status: state.inflight ? "saving" : "waiting",
        error: failed ? state.error : null,
      });
      schedule();
    },
    flush,
    retry() {
      if (!state.failed) return;
      set({ pending: { ...state.failed, ...state.pending }, failed: null, error: null });
      flush();
    },
  };
}

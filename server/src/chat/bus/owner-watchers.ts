// Who is watching each owner's running generations, for both buses.

/** Per owner, the watchers of its running generations, told of every change. */
export class OwnerWatchers {
  private readonly byOwner = new Map<string, Set<() => void>>();
  private closed = false;

  tell(ownerId: string) {
    for (const watcher of this.byOwner.get(ownerId) ?? []) watcher();
  }

  /** Ends every watch. */
  close() {
    this.closed = true;
    for (const watchers of this.byOwner.values()) for (const watcher of watchers) watcher();
  }

  /**
   * Yields once after each change to `ownerId`'s running generations, until `signal` aborts.
   * The watch starts when this is called, not when the first value is asked for: a reader that
   * reads the list, then asks for changes, misses none made in between.
   */
  watch(ownerId: string, signal: AbortSignal): AsyncIterableIterator<void> {
    let changed = false;
    let wake: (() => void) | undefined;
    const watcher = () => {
      changed = true;
      wake?.();
    };
    const watchers = this.byOwner.get(ownerId) ?? new Set();
    this.byOwner.set(ownerId, watchers);
    watchers.add(watcher);
    const stop = () => {
      watchers.delete(watcher);
      if (watchers.size === 0 && this.byOwner.get(ownerId) === watchers) {
        this.byOwner.delete(ownerId);
      }
      wake?.();
    };
    // Also unregisters a watch that was never read.
    signal.addEventListener("abort", stop, { once: true });
    const ended = () => signal.aborted || this.closed;
    async function* changes() {
      try {
        while (!ended()) {
          if (changed) {
            changed = false;
            yield;
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        signal.removeEventListener("abort", stop);
        stop();
      }
    }
    return changes();
  }
}

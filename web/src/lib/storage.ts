// Web storage that never throws: private modes and full quotas only lose the remembered value.

function read(storage: () => Storage, key: string): unknown {
  try {
    const raw = storage().getItem(key);
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  } catch {
    return undefined;
  }
}

function write(storage: () => Storage, key: string, value: unknown): void {
  try {
    if (value === undefined) storage().removeItem(key);
    else storage().setItem(key, JSON.stringify(value));
  } catch {
    // Nothing to do: the value is only a convenience.
  }
}

/** Kept across tabs and restarts (this browser). */
export const local = {
  get: (key: string) => read(() => window.localStorage, key),
  set: (key: string, value: unknown) => write(() => window.localStorage, key, value),
};

/** Kept for this tab only, across reloads. */
export const session = {
  get: (key: string) => read(() => window.sessionStorage, key),
  set: (key: string, value: unknown) => write(() => window.sessionStorage, key, value),
};

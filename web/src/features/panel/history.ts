// The panel's recent calls, kept in this browser (localStorage) to load and run again. An entry
// says whether a call ran as the session or as a token, never which token; secrets typed into
// an input (passwords, token secrets) are blanked before the entry is stored.

import { PanelHistoryEntry, type ProcedureKind } from "@parley/shared";
import { useCallback, useState } from "react";
import { local } from "../../lib/storage.ts";

const KEY = "parley:panel:history";
const MAX_ENTRIES = 30;

export type HistoryEntry = PanelHistoryEntry;

const SECRET_KEYS = /^(password|secret|apiKey|token)$/i;

/** The input with secret-looking fields blanked, so they never reach localStorage. */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      SECRET_KEYS.test(key) && typeof item === "string" ? "" : withoutSecrets(item),
    ]),
  );
}

function load(): HistoryEntry[] {
  const parsed = PanelHistoryEntry.array().safeParse(local.get(KEY));
  return parsed.success ? parsed.data : [];
}

export function useHistory() {
  const [entries, setEntries] = useState<HistoryEntry[]>(load);

  const add = useCallback(
    (entry: {
      path: string;
      kind: ProcedureKind;
      input: unknown;
      runAs: "session" | "token";
      outcome: string;
      ok: boolean;
      ms: number | null;
    }) => {
      const stored: HistoryEntry = {
        ...entry,
        input: withoutSecrets(entry.input),
        id: crypto.randomUUID(),
        at: new Date().toISOString(),
      };
      // Read again: another tab may have added calls since this one loaded.
      const next = [stored, ...load()].slice(0, MAX_ENTRIES);
      local.set(KEY, next);
      setEntries(next);
    },
    [],
  );

  const clear = useCallback(() => {
    local.set(KEY, undefined);
    setEntries([]);
  }, []);

  return { entries, add, clear };
}

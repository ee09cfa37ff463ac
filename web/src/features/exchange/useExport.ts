import type { ExportInput } from "@parley/shared";
import { useCallback, useState } from "react";
import { useTRPCClient } from "../../trpc.ts";
import { messageOf } from "../chat/errors.ts";
import { saveExport } from "./download.ts";

/** Asks the server for an export and saves it; one at a time, with its error in words. */
export function useExport() {
  const client = useTRPCClient();
  const [pending, setPending] = useState<ExportInput["format"] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = useCallback(
    async (input: ExportInput) => {
      setPending(input.format);
      setError(null);
      try {
        // Not through the query cache: every export is made fresh, and kept nowhere.
        saveExport(await client.conversations.export.query(input));
        return true;
      } catch (cause) {
        setError(messageOf(cause));
        return false;
      } finally {
        setPending(null);
      }
    },
    [client],
  );

  return { run, pending, error };
}

export type Exporter = ReturnType<typeof useExport>;

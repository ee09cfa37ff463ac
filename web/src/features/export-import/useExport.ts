import type { ExportInput } from "@parley/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { errorText } from "../../lib/errors.ts";
import { useTRPC } from "../../trpc.ts";
import { saveExport } from "./download.ts";

/** Asks the server for an export and saves it; one at a time, with its error in words. */
export function useExport() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const exporting = useMutation({
    // Kept nowhere: every export is made fresh, and dropped from the cache once saved.
    mutationFn: (input: ExportInput) =>
      queryClient.fetchQuery({
        ...trpc.conversations.export.queryOptions(input),
        staleTime: 0,
        gcTime: 0,
        retry: false,
      }),
    onSuccess: saveExport,
  });

  return {
    /** Resolves true once the export is saved. */
    run: (input: ExportInput) =>
      exporting.mutateAsync(input).then(
        () => true,
        () => false,
      ),
    pending: exporting.isPending ? exporting.variables.format : null,
    error: exporting.error ? errorText(exporting.error) : null,
  };
}

export type Exporter = ReturnType<typeof useExport>;

import type { Settings } from "@parley/shared";
import {
  MutationObserver,
  type QueryClient,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { useEffect, useMemo, useSyncExternalStore } from "react";
import { useTRPC } from "../../trpc.ts";
import { createSettingsSaver, type SettingsPatch, type SettingsSaver } from "./settingsSaver.ts";
import { applyTheme } from "./theme.ts";

export type { SaveStatus, SettingsPatch } from "./settingsSaver.ts";

// One saver per query client (one per mounted app), shared by every component using settings,
// so changes made on different parts of the page still merge into one request.
const savers = new WeakMap<QueryClient, SettingsSaver>();

/**
 * The owner's settings (`settings.get`) with unsaved changes already applied, and `update()` to
 * change some: the change shows at once and is saved, debounced and merged with the others,
 * through one `settings.update`. A failed save rolls the fields back and reports `saveError`.
 *
 * `settings` is undefined until the first load; fall back to your own default meanwhile.
 */
export function useSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const query = useQuery(trpc.settings.get.queryOptions());

  let saver = savers.get(queryClient);
  if (!saver) {
    const queryKey = trpc.settings.get.queryKey();
    // A mutation outside any component: the saver outlives the ones that change settings.
    const update = new MutationObserver(queryClient, trpc.settings.update.mutationOptions());
    const created = createSettingsSaver({
      send: (patch) => update.mutate(patch),
      // A read that started before this write would land after it with the old values.
      onSend: () => void queryClient.cancelQueries({ queryKey }),
      onSaved: (saved) => queryClient.setQueryData(queryKey, saved),
    });
    // Leaving the page or hiding the tab sends what is pending rather than dropping it.
    window.addEventListener("pagehide", created.flush);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") created.flush();
    });
    savers.set(queryClient, created);
    saver = created;
  }

  const save = useSyncExternalStore(saver.subscribe, saver.getState);
  const settings = useMemo<Settings | undefined>(
    () => query.data && { ...query.data, ...save.inflight, ...save.pending },
    [query.data, save.inflight, save.pending],
  );

  return {
    settings,
    isLoading: query.isPending,
    loadError: query.error,
    reload: query.refetch,
    update: saver.update as (patch: SettingsPatch) => void,
    saveStatus: save.status,
    saveError: save.error,
    retrySave: saver.retry,
  };
}

/** Keeps the document's theme in step with the settings; mount it once, on every screen. */
export function useAppliedTheme() {
  const theme = useSettings().settings?.theme;
  useEffect(() => {
    if (theme) applyTheme(theme);
  }, [theme]);
}

import type { ActiveGeneration } from "@parley/shared";
import { useSubscription } from "@trpc/tanstack-react-query";
import { createContext, type ReactNode, useContext } from "react";
import { useTRPC } from "../../trpc.ts";

const ActiveGenerationsContext = createContext<readonly ActiveGeneration[]>([]);

/**
 * One `generations.active` subscription for the whole app: the caller's running generations,
 * from any tab. The sidebar marks their conversations; an open conversation picks up a
 * generation another tab started.
 */
export function ActiveGenerationsProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const { data } = useSubscription(trpc.generations.active.subscriptionOptions());
  return (
    <ActiveGenerationsContext.Provider value={data?.generations ?? NONE}>
      {children}
    </ActiveGenerationsContext.Provider>
  );
}

const NONE: readonly ActiveGeneration[] = [];

export function useActiveGenerations(): readonly ActiveGeneration[] {
  return useContext(ActiveGenerationsContext);
}

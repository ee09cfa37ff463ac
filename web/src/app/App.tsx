import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { createQueryClient, createTrpcClient, TRPCProvider } from "../trpc.ts";
import { Shell } from "./Shell.tsx";

/** The providers every feature relies on: TanStack Query and the typed tRPC client. */
export function App() {
  // Created once per mounted app (not at module load), so a remount starts from a clean cache.
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(createTrpcClient);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <Shell />
      </TRPCProvider>
    </QueryClientProvider>
  );
}

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../trpc.ts";

/** Says plainly when answers come from the built-in mock model rather than a real provider. */
export function DemoModeBanner() {
  const trpc = useTRPC();
  const { data } = useQuery(trpc.models.list.queryOptions());
  if (!data?.demo) return null;
  return (
    <p className="demo-banner" role="note">
      <strong>Demo mode</strong> — no model provider is configured; answers come from Parley's
      built-in mock model.
    </p>
  );
}

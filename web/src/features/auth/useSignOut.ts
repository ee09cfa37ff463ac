import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../../trpc.ts";

/**
 * Ends this session and starts the app afresh at home. A full load rather than a client-side
 * navigation: the open subscriptions and every cached answer belong to the account, and the
 * next visitor must start clean (as a new guest, made once by the first request).
 */
export function useSignOut() {
  const trpc = useTRPC();
  return useMutation(
    trpc.auth.signOut.mutationOptions({
      onSuccess: () => window.location.assign("/"),
    }),
  );
}

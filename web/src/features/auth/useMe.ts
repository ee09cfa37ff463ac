import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../trpc.ts";

/** Who is here (`auth.me`): an account, a guest or nobody yet, and what the server allows. */
export function useMe() {
  const trpc = useTRPC();
  return useQuery(
    trpc.auth.me.queryOptions(undefined, {
      // The guest allowance changes in other tabs too; a focus refetch keeps it honest.
      refetchOnWindowFocus: "always",
    }),
  );
}

/**
 * What a guest may still send: `messagesLeft` is null when there is no limit (or for an
 * account), and `blocked` is true once a guest has none left. The chat can disable its input.
 */
export function useGuestAllowance() {
  const { data } = useMe();
  const messagesLeft = data?.guest && !data.user ? data.guestMessagesLeft : null;
  return { isGuest: data?.guest ?? false, messagesLeft, blocked: messagesLeft === 0 };
}

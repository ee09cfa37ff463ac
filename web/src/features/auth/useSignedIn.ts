import type { PublicUser } from "@parley/shared";
import { useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../../trpc.ts";
import { goTo } from "./navigation.ts";

/**
 * After signing in or up: the header knows the account at once, and every cached answer (it
 * belonged to the guest or to nobody; the guest's conversations and settings now belong to the
 * account) is fetched again.
 */
export function useAfterSignIn() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return (user: PublicUser, callback: string) => {
    // Before navigating, so no screen acts on the old "not signed in" answer meanwhile.
    queryClient.setQueryData(trpc.auth.me.queryKey(), (me) =>
      me ? { ...me, user, guest: false, guestMessagesLeft: null } : me,
    );
    goTo(callback);
    void queryClient.invalidateQueries();
  };
}

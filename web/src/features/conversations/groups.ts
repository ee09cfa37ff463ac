import type { ConversationSummary } from "@parley/shared";

export interface ConversationGroup {
  label: string;
  items: ConversationSummary[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** By last activity, newest first: Today, Yesterday, Previous 7 days, Older (empty ones left out). */
export function groupByDay(
  items: readonly ConversationSummary[],
  now = new Date(),
): ConversationGroup[] {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const groups: ConversationGroup[] = [
    { label: "Today", items: [] },
    { label: "Yesterday", items: [] },
    { label: "Previous 7 days", items: [] },
    { label: "Older", items: [] },
  ];
  for (const item of items) {
    const at = item.updatedAt.getTime();
    const index = at >= today ? 0 : at >= today - DAY_MS ? 1 : at >= today - 7 * DAY_MS ? 2 : 3;
    groups[index]?.items.push(item);
  }
  return groups.filter((group) => group.items.length > 0);
}

/** What a conversation is called before it has a title. */
export function titleOf(conversation: { title: string }): string {
  return conversation.title.trim() || "New chat";
}

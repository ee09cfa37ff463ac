// Guests who never come back: each is a user row with sessions, conversations, uploads and
// settings. A periodic sweep removes the ones idle longer than GUEST_RETENTION_DAYS.

import type { Db } from "../db/client.ts";

const DAY_MS = 86_400_000;
/** Guests removed per statement, so one sweep never holds a long transaction. */
const BATCH = 500;

/**
 * Removes guests created and last seen (any session's lastSeenAt) more than `retentionDays`
 * ago, with everything they own (the database cascades), except their share links: those
 * outlive them, as snapshots outlive conversations. Returns how many were removed.
 */
export async function removeIdleGuests(
  db: Db,
  retentionDays: number,
  now: Date = new Date(),
): Promise<number> {
  if (retentionDays === 0) return 0;
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const idle = {
    guest: true,
    createdAt: { lt: cutoff },
    sessions: { none: { lastSeenAt: { gte: cutoff } } },
  };
  let removed = 0;
  for (;;) {
    const batch = await db.user.findMany({ where: idle, select: { id: true }, take: BATCH });
    if (batch.length === 0) return removed;
    // Checked again as it deletes: a guest who came back meanwhile stays.
    const { count } = await db.user.deleteMany({
      where: { ...idle, id: { in: batch.map((user) => user.id) } },
    });
    removed += count;
    if (batch.length < BATCH) return removed;
  }
}

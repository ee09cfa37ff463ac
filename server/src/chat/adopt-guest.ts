// A guest signing in to an account: what the guest made (conversations, share links, files not
// sent yet, settings) becomes the account's. Identity calls this inside its sign-in
// transaction, then removes the guest.

import type { Prisma } from "../db/generated/client.ts";

export async function adoptGuestChats(
  tx: Prisma.TransactionClient,
  guestId: string,
  userId: string,
): Promise<void> {
  // A share copied by both keeps the account's copy as "the" copy (ownerId + fromShareId
  // is unique); the guest's copy stays, unlinked.
  const copies = await tx.conversation.findMany({
    where: { ownerId: userId, fromShareId: { not: null } },
    select: { fromShareId: true },
  });
  await tx.conversation.updateMany({
    where: {
      ownerId: guestId,
      fromShareId: { in: copies.flatMap((c) => c.fromShareId ?? []) },
    },
    data: { fromShareId: null },
  });
  await tx.conversation.updateMany({
    where: { ownerId: guestId },
    data: { ownerId: userId },
  });
  // Files uploaded but not sent yet stay attachable (the account keeps its own names).
  const uploads = await tx.fileUpload.findMany({ where: { ownerId: guestId } });
  await tx.fileUpload.createMany({
    data: uploads.map((upload) => ({ ...upload, ownerId: userId })),
    skipDuplicates: true,
  });
  // The guest's share links keep working, as the account's.
  await tx.share.updateMany({ where: { ownerId: guestId }, data: { ownerId: userId } });
  const guestSettings = await tx.settings.findUnique({ where: { userId: guestId } });
  if (guestSettings) {
    const mine = await tx.settings.findUnique({ where: { userId } });
    // The guest's choices are the most recent ones, so they win over older account settings.
    const data = {
      ...(mine?.data as object | undefined),
      ...(guestSettings.data as object),
    };
    await tx.settings.upsert({
      where: { userId },
      create: { userId, data },
      update: { data },
    });
  }
}

import { randomUUID } from "node:crypto";
import { readStream, startChatServer } from "./test/helpers/session.ts";

const server = await startChatServer({ chat: { idleTimeoutMs: 30_000 } });
let bad = 0;
for (let round = 0; round < 3; round++) {
  await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const client = server.newOwner();
      const { conversationId } = await client.conversations.create.mutate({ model: "parley-demo" });
      const messageId = randomUUID();
      const [stream] = await Promise.all([
        readStream(client, { messageId }),
        client.messages.send.mutate({
          conversationId,
          content: "[[mock tokens=100 delay=5]] hi",
          assistantMessageId: messageId,
        }),
      ]);
      const last = stream.events.at(-1)?.event;
      if (last?.type !== "final") {
        bad++;
        console.log("BAD", i, stream.end, String(stream.error).slice(0, 300), JSON.stringify(last));
      }
    }),
  );
  console.log("round", round, "bad so far", bad);
}
await server.close();
process.exit(0);

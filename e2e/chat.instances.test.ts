// The web app through a real nginx in front of two Parley instances (one PostgreSQL, one
// Redis), round-robin with no sticky sessions: every request may land on either instance. Send,
// reload mid-answer, stop and continue work as with one.

import { describe, expect, it } from "vitest";
import {
  createSharedDatabase,
  type SharedDatabase,
  sharedSettings,
} from "../server/test/helpers/instances.ts";
import { type Nginx, startNginx } from "../server/test/helpers/nginx.ts";
import { freePort } from "../server/test/helpers/ports.ts";
import { testRedisUrl } from "../server/test/helpers/redis.ts";
import { type ChatServer, startChatServer } from "../server/test/helpers/session.ts";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import {
  answerSettled,
  lastAnswer,
  lastAnswerId,
  plain,
  savedMessage,
  screenshotOnFailure,
  shownText,
  startConversation,
  useChatApp,
  waitForShown,
} from "./helpers/chat.ts";

const redisUrl = process.env.TEST_DATABASE_URL ? testRedisUrl() : undefined;

/** Two instances behind nginx, as one server: the URL is nginx's. */
async function startBalanced(): Promise<ChatServer> {
  const database: SharedDatabase = await createSharedDatabase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...sharedSettings(redisUrl as string), PUBLIC_URL: url };
  const instances = await Promise.all([
    startChatServer({ database, env }),
    startChatServer({ database, env }),
  ]);
  let nginx: Nginx;
  try {
    nginx = await startNginx({
      servers: instances.map((instance) => new URL(instance.url).host),
      port,
    });
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.close()));
    await database.close();
    throw error;
  }
  const [first] = instances as [ChatServer, ChatServer];
  return {
    ...first,
    url: nginx.url,
    async close() {
      await nginx.stop();
      await Promise.all(instances.map((instance) => instance.close()));
      await database.close();
    },
  };
}

describe.skipIf(skipBrowserTests || !redisUrl)("chatting through a load balancer", () => {
  const app = useChatApp({ start: startBalanced });

  it("sends, resumes after a reload mid-answer, stops and continues, any request on any instance", {
    timeout: 120_000,
  }, async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-instances");
    await startConversation(page, server.url, "Tell me about rivers [[mock tokens=1000 delay=15]]");
    await waitForShown(page, 100);

    // A reload mid-answer: the stream resumes, on whichever instance.
    await page.reload();
    await lastAnswer(page).waitFor();
    await expect.poll(() => lastAnswer(page).getAttribute("data-status")).toBe("streaming");
    const before = (await shownText(page)).length;
    await waitForShown(page, before + 40);

    // Stop: the instance running it stops, whichever got the click.
    await page.getByRole("button", { name: "Stop" }).click();
    expect(await answerSettled(page)).toBe("interrupted");
    const answerId = await lastAnswerId(page);
    const stopped = await savedMessage(server, answerId);
    expect(stopped.interrupted).toBe(true);
    expect(await shownText(page)).toBe(plain(stopped.content));

    // Continue: the same answer grows to its end.
    await lastAnswer(page).getByRole("button", { name: "Continue" }).click();
    await expect
      .poll(() => lastAnswer(page).getAttribute("data-status"), { timeout: 60_000 })
      .toBe("done");
    const finished = await savedMessage(server, answerId);
    expect(finished.interrupted).toBe(false);
    expect(finished.content.startsWith(stopped.content)).toBe(true);
    // Markers on both sides: where the stop fell between two bold words, the joined text has
    // "****", which Markdown shows as it is.
    expect(plain(await shownText(page))).toBe(plain(finished.content));
  });

  itLogsNoErrors(app.errors);
});

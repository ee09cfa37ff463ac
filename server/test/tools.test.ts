// Tools over real MCP servers (issue 14): one over stdio, one over Streamable HTTP, both
// written with the SDK's server side, called by models over both APIs through the mock.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_MODELS, answerRequests, readStream, sendAndWait, textOf } from "./helpers/session.ts";
import { startToolsFixture, type ToolsFixture, toolCalls, toolResults } from "./helpers/tools.ts";

let fixture: ToolsFixture;
beforeAll(async () => {
  fixture = await startToolsFixture();
}, 30_000);
afterAll(() => fixture.close());

describe("tools.list", () => {
  it("lists both servers, ready, with tool ids <server>.<tool>", async () => {
    const { servers, allowed } = await fixture.server.client.tools.list.query();
    expect(servers.map((server) => [server.name, server.status])).toEqual([
      ["local", "ready"],
      ["remote", "ready"],
    ]);
    for (const server of servers) {
      expect(server.tools.map((tool) => tool.id).sort()).toEqual(
        ["add", "big", "echo", "fail", "slow"].map((name) => `${server.name}.${name}`),
      );
    }
    // A guest, without GUEST_TOOLS.
    expect(allowed).toBe(false);
  });
});

describe.each(API_MODELS)("a tool round over the $api API", ({ model }) => {
  for (const serverName of ["local", "remote"]) {
    it(`calls ${serverName}.echo and answers quoting its result`, async () => {
      const client = fixture.server.newOwner();
      await client.auth.signUp.mutate({
        email: `${model}-${serverName}@example.com`,
        password: "correct horse battery",
      });
      const { conversationId } = await client.conversations.create.mutate({ model });
      const sent = await sendAndWait(client, {
        conversationId,
        content: `Say hi [[tool:${serverName}.echo {"text":"hi there"}]]`,
        tools: [`${serverName}.*`],
      });
      expect(toolCalls(sent.events)).toEqual([
        {
          type: "tool_call",
          callId: expect.any(String),
          tool: `${serverName}.echo`,
          arguments: '{"text":"hi there"}',
        },
      ]);
      expect(toolResults(sent.events)).toEqual([
        {
          type: "tool_result",
          callId: toolCalls(sent.events)[0]?.callId,
          ok: true,
          content: "echo: hi there",
          durationMs: expect.any(Number),
        },
      ]);
      expect(textOf(sent.events)).toContain("echo: hi there");
      const { messages } = await client.conversations.get.query({ id: conversationId });
      expect(messages.at(-1)?.toolRounds).toEqual([
        {
          at: 0,
          resultsSent: true,
          calls: [
            expect.objectContaining({
              tool: `${serverName}.echo`,
              ok: true,
              content: "echo: hi there",
            }),
          ],
        },
      ]);
    });
  }
});

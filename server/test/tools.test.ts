// Tools over real MCP servers (issue 14): one over stdio, one over Streamable HTTP, both
// written with the SDK's server side, called by models over both APIs through the mock.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseKinds } from "./helpers/database.ts";
import {
  API_MODELS,
  answerRequests,
  type Client,
  eventually,
  readStream,
  sendAndWait,
  shownBy,
  textOf,
} from "./helpers/session.ts";
import { startToolsFixture, type ToolsFixture, toolCalls, toolResults } from "./helpers/tools.ts";

const LIMITS = { TOOL_TIMEOUT_SECONDS: "1", TOOL_MAX_ROUNDS: "2", TOOL_RESULT_MAX_CHARS: "500" };

describe.each(testDatabaseKinds())("tools on %s", (database) => {
  let fixture: ToolsFixture;
  let client: Client;
  let count = 0;
  beforeAll(async () => {
    fixture = await startToolsFixture({ database, env: { ...LIMITS, GUEST_TOOLS: "true" } });
    client = fixture.server.client;
  }, 30_000);
  afterAll(() => fixture.close());

  async function conversation(model = "parley-demo") {
    count += 1;
    const { conversationId } = await client.conversations.create.mutate({ model });
    // Titled, so the mock sees only the answer's requests.
    await client.conversations.update.mutate({ id: conversationId, title: `Tools ${count}` });
    return conversationId;
  }

  it("lists both servers, ready, with tool ids <server>.<tool> and their input schemas", async () => {
    const { servers, allowed } = await client.tools.list.query();
    expect(servers.map((server) => [server.name, server.status])).toEqual([
      ["local", "ready"],
      ["remote", "ready"],
    ]);
    for (const server of servers) {
      expect(server.tools.map((tool) => tool.id).sort()).toEqual(
        ["add", "big", "echo", "fail", "slow"].map((name) => `${server.name}.${name}`),
      );
      expect(server.tools.find((tool) => tool.name === "add")?.inputSchema).toMatchObject({
        type: "object",
        properties: { a: { type: "number" }, b: { type: "number" } },
        required: ["a", "b"],
      });
    }
    expect(allowed).toBe(true);
  });

  describe.each(API_MODELS)("over the $api API", ({ api, model }) => {
    for (const name of ["local", "remote"]) {
      it(`calls ${name}.echo, stores the step, and the answer quotes its result`, async () => {
        const conversationId = await conversation(model);
        fixture.server.mock.clear();
        const sent = await sendAndWait(client, {
          conversationId,
          content: `Say hi [[tool:${name}.echo {"text":"hi there"}]]`,
          tools: [`${name}.*`],
        });
        const [call] = toolCalls(sent.events);
        expect(call).toEqual({
          type: "tool_call",
          callId: expect.any(String),
          tool: `${name}.echo`,
          arguments: '{"text":"hi there"}',
        });
        expect(toolResults(sent.events)).toEqual([
          {
            type: "tool_result",
            callId: call?.callId,
            ok: true,
            content: "echo: hi there",
            durationMs: expect.any(Number),
          },
        ]);
        expect(textOf(sent.events)).toBe(
          'The tool local__echo answered: "echo: hi there"'.replace("local", name),
        );

        // The model was offered the server's tools under provider-valid names.
        const [first, second] = answerRequests(fixture.server.mock);
        const offered = (first?.body as { tools?: unknown[] } | undefined)?.tools;
        expect(offered).toHaveLength(5);
        expect(JSON.stringify(offered)).toContain(`"${name}__echo"`);
        expect(second?.api).toBe(api);

        const { messages } = await client.conversations.get.query({ id: conversationId });
        expect(messages.at(-1)?.toolRounds).toEqual([
          {
            at: 0,
            resultsSent: true,
            calls: [
              {
                callId: call?.callId,
                tool: `${name}.echo`,
                name: `${name}__echo`,
                arguments: '{"text":"hi there"}',
                ok: true,
                content: "echo: hi there",
                durationMs: expect.any(Number),
              },
            ],
          },
        ]);
      });
    }

    it("runs parallel calls at the same time, on both servers", async () => {
      const conversationId = await conversation(model);
      const sent = await client.messages.send.mutate({
        conversationId,
        content:
          'Both [[tool:local.slow {"ms":400}]] [[tool:remote.slow {"ms":400}]] [[tool:remote.add {"a":2,"b":3}]]',
        tools: ["local.*", "remote.*"],
      });
      let firstCall = 0;
      let lastResult = 0;
      const { events } = await readStream(
        client,
        { generationId: sent.generationId },
        {
          onEvent: ({ event }) => {
            if (event.type === "tool_call") firstCall ||= performance.now();
            if (event.type === "tool_result") lastResult = performance.now();
          },
        },
      );
      const types = events.map(({ event }) => event.type).filter((t) => t.startsWith("tool"));
      // Every call starts before any result comes back.
      expect(types).toEqual([
        "tool_call",
        "tool_call",
        "tool_call",
        "tool_result",
        "tool_result",
        "tool_result",
      ]);
      // add finishes first; the two slow ones ran side by side (one after the other: 800 ms).
      expect(toolResults(events)[0]?.content).toBe("5");
      expect(lastResult - firstCall).toBeLessThan(780);
      const text = textOf(events);
      expect(text).toContain('local__slow answered: "waited 400 ms"');
      expect(text).toContain('remote__slow answered: "waited 400 ms"');
      // Stored in the order the model asked for them.
      const { messages } = await client.conversations.get.query({ id: conversationId });
      expect(messages.at(-1)?.toolRounds[0]?.calls.map((c) => c.tool)).toEqual([
        "local.slow",
        "remote.slow",
        "remote.add",
      ]);
    });

    it("sends the tool rounds back exactly, within the answer and on a later turn, as messages.prompt shows", async () => {
      const conversationId = await conversation(model);
      fixture.server.mock.clear();
      const first = await sendAndWait(client, {
        conversationId,
        content: 'Add [[tool:remote.add {"a":40,"b":2}]]',
        tools: ["remote.*"],
      });
      const [initial, followUp] = answerRequests(fixture.server.mock);
      const shown = await client.messages.prompt.query({
        conversationId,
        messageId: first.assistantMessageId,
      });
      expect(JSON.stringify(shown.prompt?.request)).toBe(initial?.rawBody);
      expect(shown.toolRounds).toHaveLength(1);
      expect(JSON.stringify(shown.toolRounds[0]?.request)).toBe(followUp?.rawBody);

      // The next turn replays the round in the provider's format.
      fixture.server.mock.clear();
      const second = await sendAndWait(client, {
        conversationId,
        parentId: first.assistantMessageId,
        content: "And now?",
      });
      const [later] = answerRequests(fixture.server.mock);
      const again = await client.messages.prompt.query({
        conversationId,
        messageId: second.assistantMessageId,
      });
      expect(JSON.stringify(again.prompt?.request)).toBe(later?.rawBody);
      expect(again.toolRounds).toEqual([]);
      const body = later?.body as Record<string, unknown[]>;
      const items = JSON.stringify(body[api === "chat" ? "messages" : "input"]);
      expect(items).toContain(api === "chat" ? '"tool_call_id"' : '"function_call_output"');
      expect(items).toContain(
        '"output":"42"'.replace('"output"', api === "chat" ? '"content"' : '"output"'),
      );
      // The choice of tools was remembered: the later turn offered them again.
      expect(JSON.stringify(body.tools)).toContain("remote__add");
    });

    it("turns bad arguments, an unknown tool, a tool error and a timeout into results the model and user see", async () => {
      const conversationId = await conversation(model);
      const sent = await sendAndWait(client, {
        conversationId,
        content: [
          '[[tool:local.add {"a":"one","b":2}]]',
          '[[tool:local.add {"a":1,}]]',
          '[[tool:nope {"x":1}]]',
          "[[tool:remote.fail {}]]",
          '[[tool:remote.slow {"ms":5000}]]',
        ].join(" "),
        tools: ["local.*", "remote.*"],
      });
      const results = new Map(
        toolCalls(sent.events).map((call) => [
          call.tool,
          toolResults(sent.events).find((result) => result.callId === call.callId),
        ]),
      );
      const badArgs = toolResults(sent.events).filter((r) => r.content.includes("arguments"));
      expect(badArgs.map((r) => r.ok)).toEqual([false, false]);
      expect(badArgs.map((r) => r.content).join("\n")).toMatch(
        /input schema[\s\S]*not valid JSON|not valid JSON[\s\S]*input schema/,
      );
      expect(results.get("nope")).toMatchObject({
        ok: false,
        content: 'There is no tool named "nope".',
      });
      expect(results.get("remote.fail")).toMatchObject({
        ok: false,
        content: expect.stringContaining("the tool broke on purpose"),
      });
      expect(results.get("remote.slow")).toMatchObject({
        ok: false,
        content: "The tool did not finish within 1 s and was cancelled.",
      });
      expect(results.get("remote.slow")?.durationMs).toBeLessThan(1_500);
      // The model went on, reading the errors.
      expect(lastType(sent.events)).toBe("final");
      expect(textOf(sent.events)).toContain("There is no tool named");
      // The timed-out call was cancelled at the server.
      await eventually(() =>
        expect(fixture.http.events.some((e) => e.kind === "cancelled" && e.tool === "slow")).toBe(
          true,
        ),
      );
    });
  });

  it("cuts a long result to TOOL_RESULT_MAX_CHARS", async () => {
    const conversationId = await conversation();
    const sent = await sendAndWait(client, {
      conversationId,
      content: '[[tool:remote.big {"chars":5000}]]',
      tools: ["remote.big"],
    });
    const [result] = toolResults(sent.events);
    expect(result?.content).toHaveLength(500);
    expect(result?.content).toMatch(/^x+\n\[… 4\d\d\d more characters cut\]$/);
  });

  it("stops after TOOL_MAX_ROUNDS rounds, telling the model and the user", async () => {
    const conversationId = await conversation();
    fixture.server.mock.clear();
    const sent = await sendAndWait(client, {
      conversationId,
      content: '[[tool:remote.echo {"text":"again"} x5]]',
      tools: ["remote.*"],
    });
    const results = toolResults(sent.events);
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2]?.content).toBe(
      "Not run: this answer reached its limit of 2 rounds of tool calls.",
    );
    // The model was told to call no more, and answered.
    expect(lastType(sent.events)).toBe("final");
    expect(textOf(sent.events)).toContain("Not run: this answer reached its limit");
    const { messages } = await client.conversations.get.query({ id: conversationId });
    const rounds = messages.at(-1)?.toolRounds ?? [];
    expect(rounds.map((round) => [round.resultsSent, round.last ?? false])).toEqual([
      [true, false],
      [true, false],
      [true, true],
    ]);
    const shown = await client.messages.prompt.query({
      conversationId,
      messageId: messages.at(-1)?.id ?? "",
    });
    const requests = answerRequests(fixture.server.mock).slice(-3);
    expect(shown.toolRounds.map((r) => JSON.stringify(r.request))).toEqual(
      requests.map((r) => r.rawBody),
    );
    expect(shown.toolRounds[2]?.request.tool_choice).toBe("none");
  });

  it("a server killed mid-call gives an error result, the answer goes on, and the server comes back", async () => {
    const conversationId = await conversation();
    const sent = await client.messages.send.mutate({
      conversationId,
      content: '[[tool:local.slow {"ms":20000}]]',
      tools: ["local.*"],
    });
    const stream = await readStream(
      client,
      { generationId: sent.generationId },
      {
        onEvent: ({ event }) => {
          if (event.type === "tool_call") {
            void fixture.stdioEvents().then(({ pid }) => process.kill(pid, "SIGKILL"));
          }
        },
      },
    );
    const [result] = toolResults(stream.events);
    expect(result?.ok).toBe(false);
    expect(result?.content).toMatch(/^The tool failed: /);
    expect(result?.durationMs).toBeLessThan(5_000);
    expect(lastType(stream.events)).toBe("final");
    // Reported, then reconnected with backoff.
    await eventually(async () => {
      const { servers } = await client.tools.list.query();
      expect(servers.find((server) => server.name === "local")?.status).toBe("ready");
    }, 10_000);
  });

  it("stop during a slow tool: the cancellation reaches the server within 300 ms and the finished steps are kept", async () => {
    const conversationId = await conversation();
    const sent = await client.messages.send.mutate({
      conversationId,
      content: '[[tool:remote.echo {"text":"done first"}]] [[tool:remote.slow {"ms":20000}]]',
      tools: ["remote.*"],
    });
    let stoppedAt = 0;
    const stream = await readStream(
      client,
      { generationId: sent.generationId },
      {
        onEvent: ({ event }) => {
          // The echo's result is in: the slow one is running.
          if (event.type === "tool_result" && stoppedAt === 0) {
            stoppedAt = Date.now();
            void client.generations.stop.mutate({ generationId: sent.generationId });
          }
        },
      },
    );
    const final = stream.events.at(-1)?.event;
    expect(final).toMatchObject({ type: "final", interrupted: true });
    const cancelled = await eventually(() => {
      const event = fixture.http.events.findLast(
        (e) => e.kind === "cancelled" && e.tool === "slow",
      );
      if (!event) throw new Error("no cancellation yet");
      return event;
    });
    expect(cancelled.at - stoppedAt).toBeLessThan(300);
    const { messages } = await client.conversations.get.query({ id: conversationId });
    const answer = messages.at(-1);
    expect(answer?.interrupted).toBe(true);
    expect(answer?.toolRounds).toEqual([
      {
        at: 0,
        resultsSent: false,
        calls: [
          expect.objectContaining({ tool: "remote.echo", ok: true, content: "echo: done first" }),
          expect.objectContaining({
            tool: "remote.slow",
            ok: false,
            content: "Stopped before the tool finished.",
          }),
        ],
      },
    ]);
  });

  it("resuming in the middle of a tool call loses and repeats nothing, and a second tab sees the same steps", async () => {
    const conversationId = await conversation();
    const sent = await client.messages.send.mutate({
      conversationId,
      content: '[[tool:local.slow {"ms":500}]]',
      tools: ["local.*"],
    });
    // The first tab leaves right after the call starts…
    const cut = await readStream(
      client,
      { generationId: sent.generationId },
      {
        onEvent: () => {},
        take: 2,
      },
    );
    expect(cut.events.map(({ event }) => event.type)).toEqual(["started", "tool_call"]);
    // …and comes back where it was, while the tool still runs.
    const rest = await readStream(client, {
      generationId: sent.generationId,
      lastEventId: cut.events.at(-1)?.id,
    });
    expect(rest.events[0]?.event.type).toBe("tool_result");
    const other = await readStream(client, { generationId: sent.generationId });
    expect(shownBy([...cut.events, ...rest.events])).toEqual(shownBy(other.events));
    expect(toolResults(other.events)[0]?.content).toBe("waited 500 ms");
  });

  it("remembers a conversation's choice of tools, and uses the owner's default for new ones", async () => {
    const conversationId = await conversation();
    fixture.server.mock.clear();
    await sendAndWait(client, { conversationId, content: "first", tools: ["remote.echo"] });
    await sendAndWait(client, { conversationId, content: "second" });
    const offered = answerRequests(fixture.server.mock).map((request) =>
      JSON.stringify((request.body as { tools?: unknown }).tools ?? null),
    );
    expect(offered[0]).toContain("remote__echo");
    expect(offered[1]).toBe(offered[0]);
    // [] chooses none, and is remembered too.
    fixture.server.mock.clear();
    await sendAndWait(client, { conversationId, content: "third", tools: [] });
    await sendAndWait(client, { conversationId, content: "fourth" });
    for (const request of answerRequests(fixture.server.mock)) {
      expect((request.body as { tools?: unknown }).tools).toBeUndefined();
    }
    // Settings give new conversations their tools.
    await client.settings.update.mutate({ tools: ["local.add"] });
    const fresh = await conversation();
    fixture.server.mock.clear();
    await sendAndWait(client, { conversationId: fresh, content: "hello" });
    const [request] = answerRequests(fixture.server.mock);
    const body = request?.body as { tools?: unknown } | undefined;
    expect(JSON.stringify(body?.tools)).toContain("local__add");
    await client.settings.update.mutate({ tools: [] });
  });

  it("refuses tools that do not exist, before writing anything", async () => {
    const conversationId = await conversation();
    await expect(
      client.messages.send.mutate({
        conversationId,
        content: "hi",
        tools: ["remote.nope", "ghost.*"],
      }),
    ).rejects.toThrow("No such tool: remote.nope, ghost.*.");
    const { messages } = await client.conversations.get.query({ id: conversationId });
    expect(messages).toEqual([]);
  });

  it("keeps the steps through export and import", async () => {
    const conversationId = await conversation();
    await sendAndWait(client, {
      conversationId,
      content: '[[tool:remote.echo {"text":"kept"}]]',
      tools: ["remote.*"],
    });
    const exported = await client.conversations.export.query({
      id: conversationId,
      format: "json",
    });
    const document = JSON.parse(exported.content) as {
      conversations: { messages: { toolRounds: unknown[] }[] }[];
    };
    const rounds = document.conversations[0]?.messages[1]?.toolRounds;
    expect(rounds).toEqual([
      expect.objectContaining({ calls: [expect.objectContaining({ content: "echo: kept" })] }),
    ]);
    const imported = await client.conversations.import.mutate({ content: exported.content });
    expect(imported.imported).toHaveLength(1);
    const copy = await client.conversations.get.query({
      id: imported.imported[0]?.conversationId ?? "",
    });
    expect(copy.id).not.toBe(conversationId);
    expect(copy.messages[1]?.toolRounds).toEqual(rounds);
    // The Markdown export lists the calls, for people to read.
    const markdown = await client.conversations.export.query({
      id: conversationId,
      format: "markdown",
    });
    expect(markdown.content).toContain(
      '<details><summary>Tool calls</summary>\n\n- `remote.echo` with `{"text":"kept"}`\n\n> echo: kept\n\n</details>',
    );
  });
});

describe("shares", () => {
  let fixture: ToolsFixture;
  beforeAll(async () => {
    fixture = await startToolsFixture({ env: { GUEST_TOOLS: "true" } });
  }, 30_000);
  afterAll(() => fixture.close());

  it("show the tool steps, unless the sharer leaves them out", async () => {
    const client = fixture.server.client;
    const { conversationId } = await client.conversations.create.mutate({ model: "parley-demo" });
    await sendAndWait(client, {
      conversationId,
      content: '[[tool:remote.echo {"text":"shared"}]]',
      tools: ["remote.*"],
    });
    const withSteps = await client.conversations.share.mutate({ id: conversationId });
    const without = await client.conversations.share.mutate({
      id: conversationId,
      includeTools: false,
    });
    expect(without.shareId).not.toBe(withSteps.shareId);
    const viewer = fixture.server.newOwner();
    const shown = await viewer.shares.get.query({ shareId: withSteps.shareId });
    expect(shown.messages[1]?.toolRounds[0]?.calls[0]).toMatchObject({
      tool: "remote.echo",
      content: "echo: shared",
    });
    const hidden = await viewer.shares.get.query({ shareId: without.shareId });
    expect(hidden.messages[1]?.toolRounds).toEqual([]);
    // Continuing a share copies its steps.
    const copy = await viewer.conversations.create.mutate({ fromShare: withSteps.shareId });
    const copied = await viewer.conversations.get.query({ id: copy.conversationId });
    expect(copied.messages[1]?.toolRounds).toEqual(shown.messages[1]?.toolRounds);
  });
});

function lastType(events: readonly { event: { type: string } }[]) {
  return events.at(-1)?.event.type;
}

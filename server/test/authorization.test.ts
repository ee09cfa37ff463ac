// The authorization matrix: every procedure of the router, called as the owner of some data,
// as another user, as a guest and anonymously. Nobody but the owner reads or changes it.
// The list of procedures comes from the router itself: a procedure added later fails this test
// until it has a row here.
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../src/trpc/router.ts";
import { CookieJar, createClient } from "./helpers/server.ts";
import { type ChatServer, type Client, readStream, startChatServer } from "./helpers/session.ts";

type Role = "owner" | "other" | "guest" | "anonymous";
const ROLES: Role[] = ["owner", "other", "guest", "anonymous"];
const password = "matrix password 1";

interface Fixture {
  conversationId: string;
  userMessageId: string;
  assistantMessageId: string;
  finishedGenerationId: string;
  runningGenerationId: string;
  runningMessageId: string;
  tokenId: string;
  sessionId: string;
  ownerEmail: string;
  shareId: string;
}

/**
 * One row per procedure.
 * - `owned`: acts on the owner's data by id. Anyone else is refused (NOT_FOUND, or UNAUTHORIZED
 *   where an account is required), and nothing changes.
 * - `own`: acts on the caller's own data. It must not show or touch the owner's: `leaks`
 *   says whether a non-owner's result reveals something of the owner's.
 */
type Row =
  | { kind: "owned"; call: (client: Client, fx: Fixture) => Promise<unknown> }
  | {
      kind: "own";
      call: (client: Client, fx: Fixture) => Promise<unknown>;
      leaks?: (result: unknown, fx: Fixture) => boolean;
      /** Roles refused outright (e.g. guests for account-only procedures). */
      refused?: Role[];
      /** Ends the caller's session: run it on a session of its own, not the shared one. */
      endsSession?: true;
    };

const mentions = (result: unknown, ...ids: string[]) => {
  const text = JSON.stringify(result ?? null);
  return ids.some((id) => text.includes(id));
};

/** The first event or the error of a subscription, then unsubscribe. */
function firstOutcome(
  subscribe: (handlers: { onData: (data: unknown) => void; onError: (error: unknown) => void }) => {
    unsubscribe(): void;
  },
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const subscription = subscribe({
      onData(data) {
        subscription.unsubscribe();
        resolve(data);
      },
      onError(error) {
        subscription.unsubscribe();
        reject(error);
      },
    });
  });
}

const MATRIX: Record<string, Row> = {
  "models.list": { kind: "own", call: (c) => c.models.list.query() },
  "tools.list": { kind: "own", call: (c) => c.tools.list.query() },
  "auth.me": {
    kind: "own",
    call: (c) => c.auth.me.query(),
    leaks: (result, fx) => mentions(result, fx.ownerEmail),
  },
  "auth.signUp": {
    kind: "own",
    // Taking the owner's email must fail; the refusal is the expected outcome for everyone.
    call: (c, fx) =>
      c.auth.signUp.mutate({ email: fx.ownerEmail, password }).catch((error: unknown) => {
        if (error instanceof TRPCClientError && error.data?.code === "CONFLICT") return "refused";
        throw error;
      }),
    leaks: (result) => result !== "refused",
  },
  "auth.signIn": {
    kind: "own",
    call: (c, fx) =>
      c.auth.signIn
        .mutate({ email: fx.ownerEmail, password: "not the password" })
        .catch((error: unknown) => {
          if (error instanceof TRPCClientError && error.data?.code === "UNAUTHORIZED")
            return "refused";
          throw error;
        }),
    leaks: (result) => result !== "refused",
  },
  "auth.signOut": { kind: "own", call: (c) => c.auth.signOut.mutate(), endsSession: true },
  "auth.sessions": {
    kind: "own",
    call: (c) => c.auth.sessions.query(),
    leaks: (result, fx) => mentions(result, fx.sessionId),
    refused: ["guest", "anonymous"],
  },
  "auth.revokeSession": {
    kind: "owned",
    call: (c, fx) => c.auth.revokeSession.mutate({ id: fx.sessionId }),
  },
  "tokens.list": {
    kind: "own",
    call: (c) => c.tokens.list.query(),
    leaks: (result, fx) => mentions(result, fx.tokenId),
    refused: ["guest", "anonymous"],
  },
  "tokens.create": {
    kind: "own",
    call: (c) => c.tokens.create.mutate({ name: "matrix" }),
    refused: ["guest", "anonymous"],
  },
  "tokens.revoke": { kind: "owned", call: (c, fx) => c.tokens.revoke.mutate({ id: fx.tokenId }) },
  "conversations.list": {
    kind: "own",
    call: (c) => c.conversations.list.query({}),
    leaks: (result, fx) => mentions(result, fx.conversationId),
  },
  "conversations.get": {
    kind: "owned",
    call: (c, fx) => c.conversations.get.query({ id: fx.conversationId }),
  },
  "conversations.create": { kind: "own", call: (c) => c.conversations.create.mutate({}) },
  "conversations.update": {
    kind: "owned",
    call: (c, fx) => c.conversations.update.mutate({ id: fx.conversationId, title: "taken" }),
  },
  "conversations.delete": {
    kind: "owned",
    call: (c, fx) => c.conversations.delete.mutate({ id: fx.conversationId }),
  },
  "conversations.export": {
    kind: "owned",
    call: (c, fx) => c.conversations.export.query({ id: fx.conversationId, format: "json" }),
  },
  "conversations.import": {
    kind: "own",
    // A ChatGPT conversation lands in the caller's own list, never in the owner's.
    call: (c) =>
      c.conversations.import.mutate({
        content: JSON.stringify([
          {
            title: "imported by the caller",
            mapping: {
              a: {
                message: {
                  author: { role: "user" },
                  content: { content_type: "text", parts: ["hello"] },
                },
                parent: null,
                children: [],
              },
            },
          },
        ]),
      }),
    leaks: (result, fx) => mentions(result, fx.conversationId),
  },
  "conversations.share": {
    kind: "owned",
    call: (c, fx) => c.conversations.share.mutate({ id: fx.conversationId }),
  },
  // Public by design: anyone with the link reads the snapshot, and nothing else of the owner's.
  "shares.get": {
    kind: "own",
    call: (c, fx) => c.shares.get.query({ shareId: fx.shareId }),
    leaks: (result, fx) =>
      mentions(
        result,
        fx.ownerEmail,
        "the owner's own system prompt",
        fx.conversationId,
        fx.userMessageId,
        fx.assistantMessageId,
      ),
  },
  "shares.list": {
    kind: "own",
    call: (c) => c.shares.list.query(),
    leaks: (result, fx) => mentions(result, fx.shareId),
  },
  "shares.revoke": {
    kind: "owned",
    call: (c, fx) => c.shares.revoke.mutate({ shareId: fx.shareId }),
  },
  "conversations.deleteAll": {
    kind: "own",
    call: (c) => c.conversations.deleteAll.mutate(),
  },
  "messages.send": {
    kind: "owned",
    call: (c, fx) =>
      c.messages.send.mutate({
        conversationId: fx.conversationId,
        parentId: fx.assistantMessageId,
        content: "hello from elsewhere",
        mode: "new",
      }),
  },
  "messages.delete": {
    kind: "owned",
    call: (c, fx) =>
      c.messages.delete.mutate({ conversationId: fx.conversationId, messageId: fx.userMessageId }),
  },
  "messages.prompt": {
    kind: "owned",
    call: (c, fx) =>
      c.messages.prompt.query({
        conversationId: fx.conversationId,
        messageId: fx.assistantMessageId,
      }),
  },
  "generations.stream": {
    kind: "owned",
    call: (c, fx) =>
      firstOutcome((handlers) =>
        c.generations.stream.subscribe({ generationId: fx.finishedGenerationId }, handlers),
      ),
  },
  "generations.stop": {
    kind: "owned",
    call: (c, fx) => c.generations.stop.mutate({ generationId: fx.runningGenerationId }),
  },
  "generations.active": {
    kind: "own",
    call: (c) => firstOutcome((handlers) => c.generations.active.subscribe(undefined, handlers)),
    leaks: (result, fx) => mentions(result, fx.runningGenerationId, fx.conversationId),
  },
  "settings.get": {
    kind: "own",
    call: (c) => c.settings.get.query(),
    leaks: (result) => mentions(result, "the owner's own system prompt"),
  },
  "settings.update": {
    kind: "own",
    call: (c) => c.settings.update.mutate({ theme: "dark" }),
    leaks: (result) => mentions(result, "the owner's own system prompt"),
  },
  // Open here (a demo server); admins only in production, tested in panel.test.ts.
  "panel.procedures": {
    kind: "own",
    call: (c) => c.panel.procedures.query(),
    leaks: (result, fx) => mentions(result, fx.ownerEmail, fx.conversationId),
  },
};

async function outcome(promise: Promise<unknown>) {
  try {
    return { ok: true as const, value: await promise };
  } catch (error) {
    if (error instanceof TRPCClientError) return { ok: false as const, code: error.data?.code };
    throw error;
  }
}

describe("the authorization matrix", () => {
  let server: ChatServer;
  let owner: Client;
  const fx = {} as Fixture;
  const clients = {} as Record<Exclude<Role, "anonymous">, Client>;
  let before: unknown;

  beforeAll(async () => {
    server = await startChatServer();
    const ownerJar = new CookieJar();
    owner = createClient(server.url, { jar: ownerJar });
    fx.ownerEmail = "owner@example.com";
    await owner.auth.signUp.mutate({ email: fx.ownerEmail, password });
    await owner.settings.update.mutate({ systemPrompt: "the owner's own system prompt" });
    const { conversationId } = await owner.conversations.create.mutate({});
    fx.conversationId = conversationId;
    const sent = await owner.messages.send.mutate({ conversationId, content: "hi", mode: "new" });
    fx.userMessageId = sent.userMessageId ?? "";
    fx.assistantMessageId = sent.assistantMessageId;
    fx.finishedGenerationId = sent.generationId;
    await readStream(owner, { generationId: sent.generationId });
    fx.shareId = (await owner.conversations.share.mutate({ id: conversationId })).shareId;
    const running = await owner.messages.send.mutate({
      conversationId,
      parentId: sent.assistantMessageId,
      content: "a long one [[mock tokens=5000 delay=20]]",
      mode: "new",
    });
    fx.runningGenerationId = running.generationId;
    fx.runningMessageId = running.assistantMessageId;
    fx.tokenId = (await owner.tokens.create.mutate({ name: "owner's token" })).token.id;
    const sessions = await owner.auth.sessions.query();
    fx.sessionId = sessions.find((session) => session.current)?.id ?? "";

    clients.owner = owner;
    clients.other = createClient(server.url, { jar: new CookieJar() });
    await clients.other.auth.signUp.mutate({ email: "other@example.com", password });
    clients.guest = createClient(server.url, { jar: new CookieJar() });
    await clients.guest.settings.get.query();
    before = await settled(owner);
  }, 60_000);

  /** The owner's conversation, less the answer still being written (it changes by itself). */
  const settled = async (client: Client) => {
    const conversation = await client.conversations.get.query({ id: fx.conversationId });
    const messages = conversation.messages.filter((m) => m.id !== fx.runningMessageId);
    return {
      ...conversation,
      updatedAt: undefined,
      messages,
      ids: conversation.messages.map((m) => m.id),
    };
  };

  afterAll(async () => {
    await owner?.generations.stop.mutate({ generationId: fx.runningGenerationId }).catch(() => {});
    await server?.close();
  });

  it("has a row for every procedure in the router", () => {
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(procedures).toEqual(Object.keys(MATRIX).sort());
  });

  const client = async (role: Role, fresh = false) => {
    if (role === "anonymous") return createClient(server.url);
    if (!fresh) return clients[role];
    const another = createClient(server.url, { jar: new CookieJar() });
    if (role === "other")
      await another.auth.signIn.mutate({ email: "other@example.com", password });
    return another;
  };

  for (const [path, row] of Object.entries(MATRIX)) {
    for (const role of ROLES.filter((r) => r !== "owner")) {
      it(`${path} as ${role}`, async () => {
        const caller = await client(role, row.kind === "own" && row.endsSession);
        const result = await outcome(row.call(caller, fx));
        if (row.kind === "owned") {
          expect(result.ok, `${path} as ${role} must be refused`).toBe(false);
          if (!result.ok) expect(["NOT_FOUND", "UNAUTHORIZED"]).toContain(result.code);
          return;
        }
        if (row.refused?.includes(role)) {
          expect(result).toEqual({ ok: false, code: "UNAUTHORIZED" });
          return;
        }
        expect(result.ok, `${path} as ${role} failed: ${JSON.stringify(result)}`).toBe(true);
        if (result.ok) expect(row.leaks?.(result.value, fx) ?? false).toBe(false);
      });
    }
  }

  it("leaves the owner's data, session, token and running answer as they were", async () => {
    expect(await settled(owner)).toEqual(before);
    expect((await owner.auth.me.query()).user?.email).toBe(fx.ownerEmail);
    expect((await owner.tokens.list.query()).map((token) => token.id)).toContain(fx.tokenId);
    expect((await owner.settings.get.query()).systemPrompt).toBe("the owner's own system prompt");
    const { shares } = await owner.shares.list.query();
    expect(shares.map((share) => share.shareId)).toEqual([fx.shareId]);
    const active = await firstOutcome((handlers) =>
      owner.generations.active.subscribe(undefined, handlers),
    );
    expect(mentions(active, fx.runningGenerationId)).toBe(true);
  });

  it("lets the owner do what the others could not", async () => {
    const prompt = await owner.messages.prompt.query({
      conversationId: fx.conversationId,
      messageId: fx.assistantMessageId,
    });
    expect(prompt).toBeTruthy();
    const stopped = await owner.generations.stop.mutate({ generationId: fx.runningGenerationId });
    expect(stopped).toBeTruthy();
  });
});

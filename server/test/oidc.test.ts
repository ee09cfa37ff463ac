import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../src/auth/lucia.ts";
import { testDatabaseKinds } from "./helpers/database.ts";
import {
  type ProviderAccount,
  startOidcProvider,
  type TestOidcProvider,
} from "./helpers/oidc-provider.ts";
import { freePorts } from "./helpers/ports.ts";
import { CookieJar, createClient, startTestServer, type TestServer } from "./helpers/server.ts";

/** A browser request: sends and keeps the jar's cookies, does not follow redirects. */
async function browse(jar: CookieJar, url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    headers: { ...headers, ...(jar.cookies.size ? { cookie: jar.header() } : {}) },
    redirect: "manual",
  });
  jar.store(response);
  return response;
}

const ada: ProviderAccount = {
  sub: "ada-at-provider",
  email: "Ada@Example.com",
  email_verified: true,
  name: "Ada Lovelace",
};

describe.each(testDatabaseKinds())("OIDC sign-in against a local provider on %s", (database) => {
  let provider: TestOidcProvider;
  /** OIDC for anyone, with a dev SPA allowed as a callback. */
  let server: TestServer;
  /** OIDC limited to example.com addresses, and sign-up closed. */
  let limited: TestServer;

  beforeAll(async () => {
    const [port, limitedPort] = await freePorts(2);
    const urls = [port, limitedPort].map((p) => `http://127.0.0.1:${p}`);
    provider = await startOidcProvider({
      redirectUris: urls.map((url) => `${url}/auth/oidc/callback`),
    });
    const oidc = {
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
    };
    [server, limited] = await Promise.all([
      startTestServer({
        database,
        port,
        env: {
          ...oidc,
          PUBLIC_URL: urls[0] ?? "",
          ALLOWED_REDIRECT_URLS: "http://localhost:5173/app",
        },
      }),
      startTestServer({
        database,
        port: limitedPort,
        env: {
          ...oidc,
          PUBLIC_URL: urls[1] ?? "",
          OIDC_ALLOWED_DOMAINS: "example.com",
          ALLOW_SIGNUP: "false",
        },
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), limited?.close()]);
    await provider?.close();
  });

  /** The whole round trip in one browser: Parley's login, the provider, Parley's callback. */
  const signIn = async (
    target: TestServer,
    account: ProviderAccount,
    { jar = new CookieJar(), callback = "/c/abc" } = {},
  ) => {
    const query = new URLSearchParams({ callback });
    const login = await browse(jar, `${target.url}/auth/oidc/login?${query}`);
    expect(login.status).toBe(302);
    const returnUrl = await provider.signIn(login.headers.get("location") ?? "", account);
    const response = await browse(jar, returnUrl);
    return { jar, login, returnUrl, response };
  };
  const me = (target: TestServer, jar: CookieJar) =>
    createClient(target.url, { jar }).auth.me.query();
  const userCount = (target: TestServer) => target.database.db.user.count();

  it("signs a new person in through the provider and returns them to the callback", async () => {
    const { jar, login, returnUrl, response } = await signIn(server, ada);

    const authorization = new URL(login.headers.get("location") ?? "");
    expect(authorization.origin).toBe(provider.issuer);
    expect(Object.fromEntries(authorization.searchParams)).toEqual({
      client_id: provider.clientId,
      response_type: "code",
      redirect_uri: `${server.url}/auth/oidc/callback`,
      scope: "openid email profile",
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge_method: "S256",
      state: expect.stringMatching(/^[\w-]{20,}$/),
      nonce: expect.stringMatching(/^[\w-]{20,}$/),
    });
    const pending = login.headers.getSetCookie().find((c) => c.startsWith("parley_oidc="));
    expect(pending).toMatch(/HttpOnly/i);
    expect(pending).toMatch(/SameSite=Lax/i);
    expect(returnUrl).toMatch(new RegExp(`^${server.url}/auth/oidc/callback\\?code=`));

    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`${server.url}/c/abc`);
    expect(jar.cookies.has(SESSION_COOKIE)).toBe(true);
    expect((await me(server, jar)).user).toEqual({
      id: expect.any(String),
      email: "ada@example.com",
      name: "Ada Lovelace",
      admin: false,
    });
    const user = await server.database.db.user.findUnique({ where: { email: "ada@example.com" } });
    expect(user).toMatchObject({ oidcSubject: ada.sub, guest: false, passwordHash: null });
  });

  it("signs the same provider account in again as the same user", async () => {
    const first = await signIn(server, { ...ada, sub: "grace-sub", email: "grace@example.com" });
    const before = await userCount(server);
    // A new email at the provider changes nothing: the subject is what identifies the person.
    const again = await signIn(server, { ...ada, sub: "grace-sub", email: "hopper@example.com" });
    expect(again.response.status).toBe(302);
    const [firstUser, againUser] = [
      (await me(server, first.jar)).user,
      (await me(server, again.jar)).user,
    ];
    expect(againUser).toEqual(firstUser);
    expect(againUser?.email).toBe("grace@example.com");
    expect(await userCount(server)).toBe(before);
  });

  it("links an existing password account with the same verified email", async () => {
    const passwordJar = new CookieJar();
    const { user } = await createClient(server.url, { jar: passwordJar }).auth.signUp.mutate({
      email: "linus@example.com",
      password: "correct horse battery staple",
    });
    const { jar, response } = await signIn(server, {
      sub: "linus-sub",
      email: "Linus@example.com",
      email_verified: true,
      name: "Linus",
    });
    expect(response.status).toBe(302);
    expect((await me(server, jar)).user).toEqual({ ...user, name: "Linus" });
    const row = await server.database.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.oidcSubject).toBe("linus-sub");
    expect(row.passwordHash).not.toBeNull();
  });

  it("moves a guest's conversation and settings to the account", async () => {
    const jar = new CookieJar();
    const guest = createClient(server.url, { jar });
    const { conversationId } = await guest.conversations.create.mutate();
    await guest.conversations.update.mutate({ id: conversationId, title: "Before signing in" });
    await guest.settings.update.mutate({ theme: "dark" });
    const guestId = (
      await server.database.db.conversation.findUniqueOrThrow({
        where: { id: conversationId },
      })
    ).ownerId;
    expect((await me(server, jar)).guest).toBe(true);

    const { response } = await signIn(
      server,
      { sub: "mary-sub", email: "mary@example.com", email_verified: true, name: "Mary" },
      { jar },
    );
    expect(response.status).toBe(302);
    expect((await me(server, jar)).user?.email).toBe("mary@example.com");
    const { items } = await guest.conversations.list.query();
    expect(items.map(({ id, title }) => ({ id, title }))).toEqual([
      { id: conversationId, title: "Before signing in" },
    ]);
    expect((await guest.settings.get.query()).theme).toBe("dark");
    expect(await server.database.db.user.findUnique({ where: { id: guestId } })).toBeNull();
  });

  it("refuses a callback whose state is missing, unknown or already used, creating nothing", async () => {
    const { jar, returnUrl } = await signIn(server, {
      sub: "once-sub",
      email: "once@example.com",
      email_verified: true,
    });
    const before = await userCount(server);
    const used = new URL(returnUrl);
    const unknown = new URL(returnUrl);
    unknown.searchParams.set("state", "not-a-state-parley-gave");
    const missing = new URL(returnUrl);
    missing.searchParams.delete("state");

    for (const url of [used, unknown, missing]) {
      const response = await browse(jar, url.href);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        statusCode: 400,
        error: "Bad Request",
        message: expect.stringMatching(/invalid, expired or already used/),
      });
    }
    expect(await userCount(server)).toBe(before);
  });

  it("refuses a callback that arrives in another browser than the one that started it", async () => {
    const starter = new CookieJar();
    const login = await browse(starter, `${server.url}/auth/oidc/login?callback=%2F`);
    const returnUrl = await provider.signIn(login.headers.get("location") ?? "", {
      sub: "mallory-sub",
      email: "mallory@example.com",
      email_verified: true,
    });
    const before = await userCount(server);

    // Someone who was sent the link: no binding cookie, so no session for Mallory's account.
    const victim = new CookieJar();
    const response = await browse(victim, returnUrl, { accept: "text/html" });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/started in another browser/);
    expect(victim.cookies.has(SESSION_COOKIE)).toBe(false);
    expect(await userCount(server)).toBe(before);
  });

  it("refuses a foreign callback URL at /auth/oidc/login", async () => {
    const foreign = [
      "https://evil.example/steal",
      "//evil.example/steal",
      "/\\evil.example/steal",
      "http://127.0.0.1.evil.example/",
      "http://localhost:5173/application",
      "http://localhost:5174/app",
      "javascript:alert(1)",
    ];
    for (const callback of foreign) {
      const response = await browse(
        new CookieJar(),
        `${server.url}/auth/oidc/login?callback=${encodeURIComponent(callback)}`,
      );
      expect({ callback, status: response.status }).toEqual({ callback, status: 400 });
      expect(await response.json()).toEqual({
        statusCode: 400,
        error: "Bad Request",
        message: expect.stringMatching(/ALLOWED_REDIRECT_URLS/),
      });
    }
  });

  it("accepts same-origin callbacks and ALLOWED_REDIRECT_URLS entries and what is under them", async () => {
    const allowed = {
      "/c/abc?x=1": `${server.url}/c/abc?x=1`,
      [`${server.url}/settings`]: `${server.url}/settings`,
      "http://localhost:5173/app": "http://localhost:5173/app",
      "http://localhost:5173/app/c/1": "http://localhost:5173/app/c/1",
    };
    for (const [index, [callback, expected]] of Object.entries(allowed).entries()) {
      const account = { sub: `cb-${index}`, email: `cb${index}@example.com`, email_verified: true };
      const { response } = await signIn(server, account, { callback });
      expect(response.headers.get("location")).toBe(expected);
    }
  });

  it("refuses a provider account without a verified email, creating nothing", async () => {
    const before = await userCount(server);
    for (const account of [
      { sub: "unverified-sub", email: "eve@example.com", email_verified: false },
      { sub: "no-email-sub" },
    ]) {
      const { jar, response } = await signIn(server, account);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { message: string }).message).toMatch(
        /no verified email address/,
      );
      expect(jar.cookies.has(SESSION_COOKIE)).toBe(false);
    }
    expect(await userCount(server)).toBe(before);
  });

  it("refuses an email outside OIDC_ALLOWED_DOMAINS with 403 and creates no user", async () => {
    for (const email of ["bob@other.org", "bob@example.com.other.org"]) {
      const { jar, response } = await signIn(limited, {
        sub: `bob-${email}`,
        email,
        email_verified: true,
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        statusCode: 403,
        error: "Forbidden",
        message: "Sign-in is limited to verified email addresses at example.com.",
      });
      expect(jar.cookies.has(SESSION_COOKIE)).toBe(false);
    }
    expect(await userCount(limited)).toBe(0);
  });

  it("with sign-up closed, refuses a new account but signs in an existing one", async () => {
    const fresh = await signIn(limited, {
      sub: "new-sub",
      email: "new@example.com",
      email_verified: true,
    });
    expect(fresh.response.status).toBe(403);
    expect(((await fresh.response.json()) as { message: string }).message).toMatch(
      /Sign-up is closed/,
    );
    expect(await userCount(limited)).toBe(0);

    await limited.database.db.user.create({ data: { email: "staff@example.com" } });
    const { jar, response } = await signIn(limited, {
      sub: "staff-sub",
      email: "staff@example.com",
      email_verified: true,
      name: "Staff",
    });
    expect(response.status).toBe(302);
    expect((await me(limited, jar)).user?.email).toBe("staff@example.com");
  });
});

describe("OIDC routes without a working provider", () => {
  let unconfigured: TestServer;
  let unreachable: TestServer;
  beforeAll(async () => {
    const [closedPort] = await freePorts(1);
    [unconfigured, unreachable] = await Promise.all([
      startTestServer(),
      startTestServer({
        env: { OIDC_ISSUER: `http://127.0.0.1:${closedPort}`, OIDC_CLIENT_ID: "parley" },
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([unconfigured?.close(), unreachable?.close()]);
  });

  it("answers 404 at /auth/oidc/login and /auth/oidc/callback when OIDC is not configured", async () => {
    for (const path of ["/auth/oidc/login?callback=%2F", "/auth/oidc/callback?code=x&state=y"]) {
      const response = await fetch(`${unconfigured.url}${path}`, { redirect: "manual" });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        statusCode: 404,
        error: "Not Found",
        message: "Single sign-on (OIDC) is not configured on this server.",
      });
    }
  });

  it("answers 502 with a clear message, not a stack, when the provider cannot be reached", async () => {
    const url = `${unreachable.url}/auth/oidc/login?callback=%2F`;
    const json = await fetch(url, { redirect: "manual" });
    expect(json.status).toBe(502);
    expect(await json.json()).toEqual({
      statusCode: 502,
      error: "Bad Gateway",
      message: expect.stringMatching(
        /^The sign-in provider \(http:\/\/127\.0\.0\.1:\d+\) could not be reached\.$/,
      ),
    });
    const page = await fetch(url, { redirect: "manual", headers: { accept: "text/html" } });
    expect(page.status).toBe(502);
    const html = await page.text();
    expect(html).toMatch(/<h1>Sign-in failed<\/h1>/);
    expect(html).not.toMatch(/at .*\.ts:\d+/);
  });
});

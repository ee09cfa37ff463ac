import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
// @ts-expect-error oidc-provider ships no type declarations; ProviderClass types what is used.
import Provider from "oidc-provider";
import { CookieJar } from "./server.ts";

/** The person at the provider: the claims its ID token and userinfo give for them. */
export interface ProviderAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /**
   * Plays the person's browser at the provider: follows `authorizationUrl`, signs in as
   * `account` and consents, then returns the URL the provider sends the browser back to.
   */
  signIn(authorizationUrl: string, account: ProviderAccount): Promise<string>;
  close(): Promise<void>;
}

/** The members of oidc-provider's Provider this helper uses. */
type ProviderClass = new (
  issuer: string,
  configuration: Record<string, unknown>,
) => { callback(): (request: IncomingMessage, response: ServerResponse) => void };

/**
 * A real OpenID Connect provider (oidc-provider) on 127.0.0.1 and a free port, with one
 * confidential client allowed to return to `redirectUris`. Its development login and consent
 * pages are driven over HTTP by `signIn`; any login name is accepted, and the claims are those of
 * the account given to `signIn`.
 */
export async function startOidcProvider(options: {
  redirectUris: string[];
}): Promise<TestOidcProvider> {
  const accounts = new Map<string, ProviderAccount>();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = "parley";
  const clientSecret = randomBytes(16).toString("hex");

  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const provider = new (Provider as ProviderClass)(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // Fixed lifetimes (seconds), so the provider does not warn about its defaults.
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
    },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    jwks: { keys: [privateKey.export({ format: "jwk" })] },
    async findAccount(_ctx: unknown, sub: string) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => account };
    },
  });
  server.on("request", provider.callback());

  return {
    issuer,
    clientId,
    clientSecret,

    async signIn(authorizationUrl, account) {
      accounts.set(account.sub, account);
      // A fresh browser each time, so the provider asks who is signing in.
      const jar = new CookieJar();
      const browse = async (url: string, init: RequestInit = {}) => {
        const headers = new Headers(init.headers);
        if (jar.cookies.size) headers.set("cookie", jar.header());
        const response = await fetch(url, { ...init, headers, redirect: "manual" });
        jar.store(response);
        return response;
      };
      let url = authorizationUrl;
      for (let step = 0; step < 10; step++) {
        if (!url.startsWith(`${issuer}/`)) return url;
        const response = await browse(url);
        const location = response.headers.get("location");
        if (location) {
          url = new URL(location, url).href;
          continue;
        }
        const page = await response.text();
        // The development interaction pages: a login form, then a consent form.
        const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
        if (response.status !== 200 || !prompt) {
          throw new Error(
            `the provider answered ${response.status} at ${url}: ${page.slice(0, 500)}`,
          );
        }
        const submitted = await browse(url, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ prompt, login: account.sub, password: "any" }).toString(),
        });
        const next = submitted.headers.get("location");
        if (!next) throw new Error(`the provider did not accept the ${prompt} form at ${url}`);
        url = new URL(next, url).href;
      }
      throw new Error("the provider never sent the browser back");
    },

    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

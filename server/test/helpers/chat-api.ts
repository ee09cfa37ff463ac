// Helpers for the HTTP chat route tests: accounts with API tokens, requests, and reading
// server-sent events off a response.

import { randomUUID } from "node:crypto";
import { CookieJar, createClient } from "./server.ts";

export const PASSWORD = "correct horse battery staple";

export interface Account {
  email: string;
  /** The account's browser session (cookie jar). */
  jar: CookieJar;
  client: ReturnType<typeof createClient>;
  /** A personal API token's secret. */
  token: string;
  tokenId: string;
}

/** Signs up a new account (a new address unless `email` is given) and makes it an API token. */
export async function newAccount(url: string, email?: string): Promise<Account> {
  const jar = new CookieJar();
  const client = createClient(url, { jar });
  email ??= `api-${randomUUID().slice(0, 8)}@example.com`;
  await client.auth.signUp.mutate({ email, password: PASSWORD });
  const created = await client.tokens.create.mutate({ name: "chat api" });
  return { email, jar, client, token: created.secret, tokenId: created.token.id };
}

/** POSTs a JSON body (or raw text) to a chat route. */
export function postChat(
  url: string,
  path: string,
  body: unknown,
  options: { token?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: options.signal,
  });
}

export interface SseEvent {
  /** The `event:` field, when there is one. */
  event?: string;
  data: string;
}

/** Splits an event stream's text into its events (as a browser's EventSource reads them). */
export function sseEvents(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const event: SseEvent = { data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event.event = line.slice("event: ".length);
        else if (line.startsWith("data: ")) event.data += line.slice("data: ".length);
      }
      return event;
    });
}

/** A question for the mock, with its pacing (`[[mock …]]`) if any. */
export function ask(text: string, directive = ""): { role: "user"; content: string }[] {
  return [{ role: "user", content: directive ? `${text} [[mock ${directive}]]` : text }];
}

import { wireTransformer } from "@parley/shared";
import { initTRPC, TRPCError } from "@trpc/server";
import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { FastifyBaseLogger } from "fastify";
import { ZodError } from "zod";
import type {
  Caller,
  CallerUser,
  ClientMeta,
  IdentityService,
  NewGuest,
} from "../auth/identity.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { ChatService } from "../chat/service.ts";
import type { Config } from "../config.ts";
import { RateLimited } from "../errors.ts";
import { clientOf, identifyCaller } from "../http/caller.ts";
import { unexpectedErrorMessage } from "../http/errors.ts";
import { CROSS_ORIGIN_MESSAGE, isForgeable } from "../http/origin.ts";
import type { RateLimits } from "../limits/index.ts";
import type { ModelRegistry } from "../llm/registry.ts";
import type { ToolService } from "../tools/service.ts";
import { toTRPCError } from "./errors.ts";

/** What every procedure may use: the app's services, built once in buildApp. */
export interface Services {
  config: Config;
  models: ModelRegistry;
  identity: IdentityService;
  tokens: TokenService;
  limits: RateLimits;
  chat: ChatService;
  /** MCP servers and built-in tools. */
  tools: ToolService;
}

export interface Context extends Services {
  requestId: string;
  log: FastifyBaseLogger;
  caller: Caller;
  client: ClientMeta;
  /** Adds a Set-Cookie header to the response. */
  setCookie(cookie: string): void;
  /**
   * The guest this request chats as when it has no session: made once per request, so a batch
   * of calls from a new visitor makes one guest, not one per call. Not written yet.
   */
  guest(): Promise<RequestGuest>;
  /** The same guest, written now (unless it already is). */
  startGuest(): Promise<CallerUser>;
}

/** A request's new guest; its cookie goes on the reply once its rows are written. */
export interface RequestGuest extends Omit<NewGuest, "saved"> {
  written: boolean;
  /** Its rows are written (by startGuest, or a send's write). */
  saved(): void;
}

export function createContextFactory(services: Services) {
  return async ({ req, res }: CreateFastifyContextOptions): Promise<Context> => {
    if (isForgeable(req, services.config.publicUrl)) {
      req.log.warn({ origin: req.headers.origin }, "refused a cross-origin request");
      throw new TRPCError({ code: "FORBIDDEN", message: CROSS_ORIGIN_MESSAGE });
    }
    const setCookie = (cookie: string) => void res.header("set-cookie", cookie);
    // Thrown before any procedure runs, so converted here (a revoked token is UNAUTHORIZED).
    const caller = await identifyCaller(services.identity, req, res).catch((error: unknown) => {
      throw toTRPCError(error);
    });
    let prepared: Promise<RequestGuest> | undefined;
    let started: Promise<CallerUser> | undefined;
    const guest = () => {
      prepared ??= services.identity.prepareGuest(clientOf(req)).then((made) => {
        const requestGuest: RequestGuest = {
          user: made.user,
          rows: made.rows,
          written: false,
          saved() {
            if (requestGuest.written) return;
            requestGuest.written = true;
            setCookie(made.saved());
          },
        };
        return requestGuest;
      });
      return prepared;
    };
    return {
      ...services,
      requestId: req.id,
      log: req.log,
      caller,
      client: clientOf(req),
      setCookie,
      guest,
      startGuest: () => {
        started ??= guest().then(async (made) => {
          if (!made.written) {
            await services.identity.saveGuest(made);
            made.saved();
          }
          return made.user;
        });
        return started;
      },
    };
  };
}

/** `.meta({ description })` on a procedure is shown by the API panel and editors. */
export interface Meta {
  description?: string;
}

/** Pings keep proxies from closing idle streams; the client reconnects if they stop. */
export const SSE_TIMING = { pingIntervalMs: 10_000, reconnectAfterInactivityMs: 25_000 };

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: wireTransformer,
    sse: {
      ping: { enabled: true, intervalMs: SSE_TIMING.pingIntervalMs },
      client: { reconnectAfterInactivityMs: SSE_TIMING.reconnectAfterInactivityMs },
    },
    // Never send stack traces, in development either: callers get codes and messages only.
    isDev: false,
    errorFormatter({ shape, error, ctx }) {
      const zodError = error.cause instanceof ZodError ? error.cause : undefined;
      return {
        ...shape,
        // An unexpected error's own text may be a database's or a library's: it goes to the log
        // (onError in app.ts), the caller gets the request id to quote.
        message:
          error.code === "INTERNAL_SERVER_ERROR"
            ? unexpectedErrorMessage(ctx?.requestId)
            : shape.message,
        data: {
          ...shape.data,
          // The Zod issues of a rejected input, so clients can show what was wrong.
          zodIssues: zodError ? zodError.issues : null,
          // How long a rate-limited caller should wait before trying again.
          retryAfterSeconds:
            error.cause instanceof RateLimited ? error.cause.retryAfterSeconds : null,
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every procedure starts here: whatever the domain throws below (in a middleware or the
 * resolver) reaches the caller as its tRPC code, converted in one place.
 */
const baseProcedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTRPCError(result.error);
  return result;
});

/** Anyone, signed in or not. */
export const publicProcedure = baseProcedure;

/**
 * A signed-in user or a guest: the owner of conversations and settings. A caller with no
 * session becomes a guest here (unless REQUIRE_LOGIN), so browsing costs no database rows.
 */
export const ownerProcedure = baseProcedure.use(async ({ ctx, next }) => {
  if (ctx.caller.user) return next({ ctx: { owner: ctx.caller.user, ownerIsNew: false } });
  const owner = await ctx.startGuest();
  return next({
    ctx: {
      owner,
      // Made by this request: it has no settings or conversations yet, so none are read.
      ownerIsNew: true,
      caller: { user: owner, sessionId: null, via: "cookie" as const },
    },
  });
});

/**
 * Like ownerProcedure, for messages.send: a caller with no session chats as a new guest that
 * the send's own write makes (a first message is one statement), and that a refused send
 * never makes. `newGuest` is that guest while it is not written yet.
 */
export const senderProcedure = baseProcedure.use(async ({ ctx, next }) => {
  if (ctx.caller.user) {
    return next({ ctx: { owner: ctx.caller.user, ownerIsNew: false, newGuest: undefined } });
  }
  const guest = await ctx.guest();
  return next({
    ctx: {
      owner: guest.user,
      ownerIsNew: true,
      newGuest: guest.written ? undefined : guest,
      caller: { user: guest.user, sessionId: null, via: "cookie" as const },
    },
  });
});

/** A signed-in account (not a guest). */
export const userProcedure = baseProcedure.use(async ({ ctx, next }) => {
  const user = ctx.caller.user;
  if (!user || user.guest) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  }
  return next({ ctx: { user, caller: { ...ctx.caller, user } } });
});

/** A signed-in admin (ADMIN_EMAILS). */
export const adminProcedure = userProcedure.use(async ({ ctx, next }) => {
  if (!ctx.user.admin) throw new TRPCError({ code: "FORBIDDEN", message: "Admins only" });
  return next();
});

import { randomBytes } from "node:crypto";
import * as client from "openid-client";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import type { Caller, ClientMeta, IdentityService } from "./identity.ts";
import { createMemoryPendingSignIns, type PendingSignIns } from "./pending-sign-ins.ts";

/** How long a started sign-in may wait for the provider's answer. */
export const PENDING_SIGN_IN_MS = 10 * 60_000;
const SCOPE = "openid email profile";
/** Seconds to wait for the provider on each request (discovery, token, userinfo). */
const PROVIDER_TIMEOUT_S = 10;

type OidcSettings = NonNullable<Config["identity"]["oidc"]>;

/** A refusal with the HTTP status the routes answer with; the message is shown to the person. */
export class OidcError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 502,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** What Parley needs from the provider's claims. */
export interface ProviderProfile {
  sub: string;
  /** Lower-cased; null when the provider gave none. */
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

/**
 * Sign-in with an OpenID Connect provider: authorization code with PKCE, state and nonce.
 * Unanswered sign-ins wait 10 minutes in `pending` (Redis with several instances, so a sign-in
 * may finish on another instance than the one that started it).
 */
export function createOidcService(deps: {
  config: Config;
  db: Db;
  identity: IdentityService;
  pending?: PendingSignIns;
}) {
  const { config, db, identity } = deps;
  const pending = deps.pending ?? createMemoryPendingSignIns();
  const settings = config.identity.oidc;
  const publicUrl = new URL(config.publicUrl);
  const redirectUri = `${config.publicUrl.replace(/\/+$/, "")}/auth/oidc/callback`;

  let discovered: Promise<client.Configuration> | undefined;
  /** Discovers the provider once; a failure is not cached, so the next sign-in tries again. */
  const discover = ({ issuer, clientId, clientSecret }: OidcSettings) => {
    discovered ??= client
      .discovery(
        new URL(issuer),
        clientId,
        undefined,
        // client_secret_basic is what RFC 6749 requires every provider to accept.
        clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
        {
          // An http issuer is the operator's explicit choice (a provider on a private network).
          execute: new URL(issuer).protocol === "http:" ? [client.allowInsecureRequests] : [],
          timeout: PROVIDER_TIMEOUT_S,
        },
      )
      .catch((error: unknown) => {
        discovered = undefined;
        throw new OidcError(502, `The sign-in provider (${issuer}) could not be reached.`, {
          cause: error,
        });
      });
    return discovered;
  };

  const configured = () => {
    if (!settings) {
      throw new OidcError(404, "Single sign-on (OIDC) is not configured on this server.");
    }
    return settings;
  };

  /** The callback as an absolute URL, or a 400 when it is not ours or not allowed. */
  const validateCallback = (callback: string | undefined) => {
    const value = callback ?? "/";
    // A relative path resolves against PUBLIC_URL; "//host" or "/\host" resolve elsewhere.
    const url = URL.canParse(value, publicUrl.href) ? new URL(value, publicUrl) : undefined;
    const allowed =
      url !== undefined &&
      value.length <= 2_000 &&
      (url.origin === publicUrl.origin ||
        isAllowedRedirect(url, config.identity.allowedRedirectUrls));
    if (allowed) return url.href;
    throw new OidcError(
      400,
      "The callback URL is not allowed: it must be on this server (PUBLIC_URL) or listed in ALLOWED_REDIRECT_URLS.",
    );
  };

  /** Finds the account for a provider identity: by subject, else by verified email, else new. */
  const findOrCreateUser = async (profile: ProviderProfile, domains: string[]) => {
    const verifiedEmail = profile.emailVerified ? profile.email : null;
    if (domains.length > 0) {
      const domain = verifiedEmail?.slice(verifiedEmail.lastIndexOf("@") + 1);
      if (!domain || !domains.includes(domain)) {
        throw new OidcError(
          403,
          `Sign-in is limited to verified email addresses at ${domains.join(", ")}.`,
        );
      }
    }
    const bySubject = await db.user.findUnique({ where: { oidcSubject: profile.sub } });
    if (bySubject) return bySubject;
    if (!verifiedEmail) {
      throw new OidcError(
        403,
        "Your account at the sign-in provider has no verified email address, which Parley needs to create or link your account.",
      );
    }
    const byEmail = await db.user.findUnique({ where: { email: verifiedEmail } });
    if (byEmail) {
      if (byEmail.oidcSubject) {
        throw new OidcError(
          403,
          "The Parley account with this email is already linked to another account at the sign-in provider.",
        );
      }
      return db.user.update({
        where: { id: byEmail.id },
        data: { oidcSubject: profile.sub, name: byEmail.name ?? profile.name },
      });
    }
    if (!config.identity.allowSignup) {
      throw new OidcError(403, "Sign-up is closed on this server: ask an admin for an account.");
    }
    try {
      return await db.user.create({
        data: { email: verifiedEmail, name: profile.name, oidcSubject: profile.sub },
      });
    } catch (error) {
      // The same provider account finishing two sign-ins at once: the other one created it.
      const created = await db.user.findUnique({ where: { oidcSubject: profile.sub } });
      if (created) return created;
      throw error;
    }
  };

  return {
    /**
     * Starts a sign-in: validates where to return, remembers PKCE verifier, state and nonce, and
     * gives the provider's authorization URL. `browser` is the caller's binding cookie, if any.
     */
    async start(callback: string | undefined, browser: string | undefined) {
      const oidc = configured();
      const returnTo = validateCallback(callback);
      const configuration = await discover(oidc);
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const binding =
        browser && /^[\w-]{32}$/.test(browser) ? browser : randomBytes(24).toString("base64url");
      await pending.put(
        state,
        { codeVerifier, nonce, callback: returnTo, browser: binding },
        PENDING_SIGN_IN_MS,
      );
      const url = client.buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUri,
        scope: SCOPE,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: "S256",
        state,
        nonce,
      });
      return { location: url.href, browser: binding };
    },

    /**
     * Finishes a sign-in from the provider's redirect (`search` is its query string): checks the
     * state belongs to this browser, exchanges the code, validates the ID token, finds or creates
     * the user and signs them in. Returns the session cookie and where to send the person.
     */
    async finish(search: string, browser: string | undefined, caller: Caller, meta: ClientMeta) {
      const oidc = configured();
      const state = new URLSearchParams(search).get("state");
      const signIn = state ? await pending.take(state) : undefined;
      if (!state || !signIn || signIn.browser !== browser) throw new OidcError(400, INVALID_LINK);
      const configuration = await discover(oidc);
      if (isForged(new URLSearchParams(search), configuration)) {
        throw new OidcError(400, INVALID_LINK);
      }
      const profile = await exchange(configuration, new URL(`${redirectUri}${search}`), {
        pkceCodeVerifier: signIn.codeVerifier,
        expectedState: state,
        expectedNonce: signIn.nonce,
        idTokenExpected: true,
      });
      const user = await findOrCreateUser(profile, oidc.allowedDomains);
      const cookie = await identity.signInUser(user.id, caller, meta);
      return { cookie, location: signIn.callback };
    },
  };
}

export type OidcService = ReturnType<typeof createOidcService>;

const INVALID_LINK =
  "This sign-in link is invalid, expired or already used, or was started in another browser. Please sign in again.";

/**
 * A callback the provider could not have sent (a link edited by hand): another issuer, no code
 * or several. Checked here so that a forged link is the browser's mistake (400), not a fault of
 * the provider's (502).
 */
function isForged(parameters: URLSearchParams, configuration: client.Configuration): boolean {
  const metadata = configuration.serverMetadata();
  const issuers = parameters.getAll("iss");
  if (issuers.length > 1 || (issuers.length === 1 && issuers[0] !== metadata.issuer)) return true;
  if (issuers.length === 0 && metadata.authorization_response_iss_parameter_supported) return true;
  if (parameters.has("response")) return true;
  // An error instead of a code is the provider's answer: exchange() reads it.
  if (parameters.has("error")) return parameters.getAll("error").length > 1;
  const codes = parameters.getAll("code");
  return codes.length !== 1 || !codes[0];
}

/** Errors a provider reports for its own or its configuration's faults (RFC 6749, OIDC Core). */
const PROVIDER_FAULTS = new Set([
  "invalid_request",
  "unauthorized_client",
  "unsupported_response_type",
  "invalid_scope",
  "server_error",
  "temporarily_unavailable",
  "invalid_request_uri",
  "invalid_request_object",
  "request_not_supported",
  "request_uri_not_supported",
  "registration_not_supported",
]);

/** Refusals a person can cause at the provider (cancelling, not signing in) rather than faults. */
const REFUSALS = new Set([
  "access_denied",
  "login_required",
  "consent_required",
  "interaction_required",
  "account_selection_required",
]);

/** The code exchange and ID token checks, then the profile from the ID token or userinfo. */
async function exchange(
  configuration: client.Configuration,
  currentUrl: URL,
  checks: client.AuthorizationCodeGrantChecks,
): Promise<ProviderProfile> {
  try {
    const tokens = await client.authorizationCodeGrant(configuration, currentUrl, checks);
    const claims = tokens.claims();
    if (!claims) throw new Error("no ID token");
    // Providers that keep ID tokens small (or conform to OIDC strictly) give email via userinfo.
    const userinfo =
      typeof claims.email !== "string" && configuration.serverMetadata().userinfo_endpoint
        ? await client.fetchUserInfo(configuration, tokens.access_token, claims.sub)
        : undefined;
    return profileOf(claims, userinfo);
  } catch (error) {
    if (error instanceof client.AuthorizationResponseError) {
      const reason = error.error_description ?? error.error;
      if (REFUSALS.has(error.error)) {
        throw new OidcError(403, `The sign-in provider did not sign you in: ${reason}`, {
          cause: error,
        });
      }
      if (PROVIDER_FAULTS.has(error.error)) {
        throw new OidcError(502, `The sign-in provider refused the request: ${reason}`, {
          cause: error,
        });
      }
      // No provider sends an error it has no name for: the link was edited.
      throw new OidcError(400, INVALID_LINK, { cause: error });
    }
    // A code the provider did not issue, or one already used or expired.
    if (error instanceof client.ResponseBodyError && error.error === "invalid_grant") {
      throw new OidcError(400, INVALID_LINK, { cause: error });
    }
    if (error instanceof client.ResponseBodyError) {
      throw new OidcError(502, `The sign-in provider refused the sign-in: ${error.error}`, {
        cause: error,
      });
    }
    throw new OidcError(502, "The sign-in provider's answer could not be verified.", {
      cause: error,
    });
  }
}

/** Reads sub, email, email_verified and name; email fields come from one source together. */
export function profileOf(
  claims: client.IDToken,
  userinfo?: client.UserInfoResponse,
): ProviderProfile {
  const source = typeof claims.email === "string" ? claims : (userinfo ?? claims);
  const email = typeof source.email === "string" ? source.email.trim().toLowerCase() : null;
  const name = [claims.name, userinfo?.name].find((value) => typeof value === "string") as
    | string
    | undefined;
  return {
    sub: claims.sub,
    email: email?.includes("@") ? email : null,
    // Some providers (e.g. AWS Cognito) send the flag as a string.
    emailVerified: source.email_verified === true || source.email_verified === "true",
    name: name?.trim() || null,
  };
}

/**
 * Whether `url` is an ALLOWED_REDIRECT_URLS entry or under one: the same scheme and host, and
 * the entry's path as a whole-segment prefix (so "https://app.example" never admits
 * "https://app.example.evil" and "/app" never admits "/application").
 */
export function isAllowedRedirect(url: URL, allowed: string[]) {
  return allowed.some((entry) => {
    const base = new URL(entry);
    if (url.href === base.href) return true;
    if (base.search || base.hash) return false;
    if (url.protocol !== base.protocol || url.host !== base.host || url.username || url.password) {
      return false;
    }
    const prefix = base.pathname.endsWith("/") ? base.pathname : `${base.pathname}/`;
    return url.pathname === base.pathname || url.pathname.startsWith(prefix);
  });
}

// Security headers on every response (helmet). The app's Content-Security-Policy runs only
// Parley's own scripts (no inline script, no eval), connects only to Parley, and cannot be framed.
// Routes with stricter needs set their own (GET /files/* sandboxes whatever it serves): headers
// set on the reply take precedence over these.

import type { FastifyInstance } from "fastify";
import helmet from "helmet";

export function registerSecurityHeaders(app: FastifyInstance, publicUrl: string) {
  const https = new URL(publicUrl).protocol === "https:";
  // Built once: @fastify/helmet built helmet's middleware again for every request (about a
  // tenth of a millisecond each, most of what /api/chat-openai added to a request).
  const setHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Stylesheets are Parley's own files; KaTeX positions math with style attributes.
        styleSrc: ["'self'"],
        styleSrcAttr: ["'unsafe-inline'"],
        // KaTeX's stylesheet carries a font inline as a data: URL.
        fontSrc: ["'self'", "data:"],
        // Attachments come from /files; previews of files being attached are blob: URLs.
        imgSrc: ["'self'", "data:", "blob:"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // Over plain http (a LAN address, localhost) upgrading would break every request.
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    crossOriginOpenerPolicy: { policy: "same-origin" },
    // Only where people reach Parley over https: HSTS on http would be ignored, or worse, stick.
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
  app.addHook("onRequest", (request, reply, done) => {
    setHeaders(request.raw, reply.raw, (error) => done(error instanceof Error ? error : undefined));
  });
}

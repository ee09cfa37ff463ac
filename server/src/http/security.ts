// Security headers on every response (@fastify/helmet). The app's Content-Security-Policy runs
// only Parley's own scripts (no inline script, no eval), connects only to Parley, and cannot be
// framed. Routes with stricter needs set their own (GET /files/* sandboxes whatever it serves).

import helmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";

export async function registerSecurityHeaders(app: FastifyInstance, publicUrl: string) {
  const https = new URL(publicUrl).protocol === "https:";
  await app.register(helmet, {
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
}

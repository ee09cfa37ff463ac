// Imported first by main.tsx, before any schema from @parley/shared is built: Zod compiles fast
// object parsers with `new Function`, which the app's Content-Security-Policy (no 'unsafe-eval')
// refuses, and even Zod's probe for it is reported as a violation. Jitless parsing needs neither.
// Zod's core holds the one global config; importing it alone keeps the rest of Zod (about 23 KB
// gzipped) out of the first page, for the routes that parse with it to load.
import { config } from "zod/v4/core";

config({ jitless: true });

// Imported first by main.tsx, before any schema from @parley/shared is built: Zod compiles fast
// object parsers with `new Function`, which the app's Content-Security-Policy (no 'unsafe-eval')
// refuses, and even Zod's probe for it is reported as a violation. Jitless parsing needs neither.
import { z } from "zod";

z.config({ jitless: true });

import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** Everything the Parley server answers besides the SPA: the paths its history fallback skips. */
const serverPaths = "^/(trpc|healthz|files|imports|auth|api)(?=[/?]|$)";

export default defineConfig({
  plugins: [react()],
  build: {
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // The first page sets Zod's global config (src/zodConfig.ts) and parses nothing:
            // the config's two modules apart, so the rest of Zod loads with what uses it.
            { name: "zod-config", test: /zod[\\/]v4[\\/]core[\\/](core|util)\.js$/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      // A regex key, so an SPA route such as /authors is not sent to the server.
      [serverPaths]: {
        target: "http://localhost:3000",
        // Keep the browser's Host so the server's Origin check sees the origin the browser used.
        changeOrigin: false,
        // No proxyTimeout: the proxy pipes responses as they arrive, so SSE and streamed batches
        // pass through unbuffered, and a timeout would cut long-lived subscriptions.
      },
    },
  },
});

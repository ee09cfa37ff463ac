import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** Everything the Parley server answers besides the SPA: the paths its history fallback skips. */
const serverPaths = "^/(trpc|healthz|files|imports|auth|api)(?=[/?]|$)";

export default defineConfig({
  plugins: [react()],
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

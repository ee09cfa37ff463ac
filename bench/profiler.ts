// A CPU profile of a phase, for any benchmark child process (the parent asks over IPC).

import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

export function createProfiler() {
  const inspector = new Session();
  inspector.connect();
  return {
    handlers: {
      "profile-start": async () => {
        await inspector.post("Profiler.enable");
        await inspector.post("Profiler.start");
      },
      /** Stops profiling and writes the V8 CPU profile (Chrome DevTools format) to `file`. */
      "profile-stop": async (file: unknown) => {
        const { profile } = await inspector.post("Profiler.stop");
        writeFileSync(String(file), JSON.stringify(profile));
      },
    },
    close: () => inspector.disconnect(),
  };
}

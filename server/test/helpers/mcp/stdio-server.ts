// The test tools over stdio: run as `node --import tsx stdio-server.ts`. It writes its pid and
// what it sees, as JSON lines, to EVENTS_FILE, so a test can kill it and check cancellations.

import { appendFileSync } from "node:fs";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { fileRecorder, testToolServer } from "./tools.ts";

const file = process.env.EVENTS_FILE;
if (file) appendFileSync(file, `${JSON.stringify({ pid: process.pid })}\n`);
if (process.env.FAIL_TO_START === "true") {
  process.stderr.write("this server refuses to start\n");
  process.exit(3);
}
await testToolServer(fileRecorder(file)).connect(new StdioServerTransport());

// Demo mode's tools: a small MCP server built with the SDK's server side, reached in-process
// (no process, no port), so the demo can show a whole tool round with nothing configured.

import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

export const DEMO_SERVER = "demo";

const SKIES = ["sunny", "cloudy", "rainy", "windy", "foggy", "snowy"];

function demoServer(): McpServer {
  const server = new McpServer({ name: "parley-demo", version: "1.0.0" });
  server.registerTool(
    "weather",
    {
      description: "Today's weather in a city (made up: this is a demo).",
      inputSchema: { city: z.string().min(1).describe("The city's name") },
    },
    async ({ city }) => {
      // The same city always gets the same weather.
      let hash = 0;
      for (const char of city.toLowerCase()) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
      const sky = SKIES[hash % SKIES.length];
      const degrees = (hash % 30) - 5;
      return { content: [{ type: "text", text: `${city}: ${sky}, ${degrees} °C.` }] };
    },
  );
  server.registerTool(
    "roll_dice",
    {
      description: "Rolls dice and returns each die's value.",
      inputSchema: {
        dice: z.number().int().min(1).max(20).describe("How many dice"),
        sides: z.number().int().min(2).max(100).default(6).describe("Sides per die"),
      },
    },
    async ({ dice, sides }) => {
      const rolls = Array.from({ length: dice }, () => 1 + Math.floor(Math.random() * sides));
      return { content: [{ type: "text", text: `Rolled ${rolls.join(", ")}.` }] };
    },
  );
  return server;
}

/** A transport to a fresh demo server running in this process. */
export function demoTransport() {
  const [client, server] = InMemoryTransport.createLinkedPair();
  void demoServer().connect(server);
  return { transport: client };
}

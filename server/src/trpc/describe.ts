// Describes the API from the router itself: every procedure's path, kind, description and
// JSON Schemas, read at call time, so a new procedure shows up in the panel with no change here.

import {
  type JsonSchema,
  type ProcedureDescription,
  ProcedureKind,
  UNREPRESENTABLE,
} from "@parley/shared";
import type { AnyRouter } from "@trpc/server";
import { z } from "zod";
import type { Meta } from "./init.ts";

/** What tRPC keeps on a built procedure (`procedure._def`) that the description needs. */
interface ProcedureDef {
  type: unknown;
  inputs: unknown[];
  output?: unknown;
  meta?: Meta;
}

/**
 * Every procedure of `router` (nested routers flattened to dotted paths), sorted by path. A
 * lazy router's procedures would appear once it has loaded; the app has none.
 */
export function describeProcedures(router: AnyRouter): ProcedureDescription[] {
  const procedures = router._def.procedures as Record<string, { _def: ProcedureDef }>;
  return Object.keys(procedures)
    .sort()
    .map((path) => describeProcedure(path, procedures[path]?._def));
}

function describeProcedure(path: string, def: ProcedureDef | undefined): ProcedureDescription {
  if (!def) throw new Error(`no procedure at ${path}`);
  const inputs = def.inputs.filter(isZodSchema);
  const input =
    inputs.length === 0
      ? null
      : inputs.length === 1
        ? toJsonSchema(inputs[0] as z.ZodType, "input")
        : // Chained .input() calls are merged by tRPC: the value must satisfy each of them.
          { allOf: inputs.map((schema) => toJsonSchema(schema, "input")) };
  return {
    path,
    kind: ProcedureKind.parse(def.type),
    description: def.meta?.description ?? null,
    input,
    inputOptional: inputs.every(acceptsNothing),
    output: isZodSchema(def.output) ? toJsonSchema(def.output, "output") : null,
  };
}

function isZodSchema(value: unknown): value is z.ZodType {
  return value instanceof z.ZodType;
}

/** Whether the input may be left out (an optional input, or one with a default). */
function acceptsNothing(schema: z.ZodType): boolean {
  try {
    return schema.safeParse(undefined).success;
  } catch {
    // An async refinement cannot run synchronously: assume the input is needed.
    return false;
  }
}

/**
 * Zod 4's JSON Schema of what a caller sends (`input`) or receives (`output`). What JSON Schema
 * cannot express becomes a marked, commented schema instead of an error: a Date (superjson
 * carries real Dates) is an ISO date-time string; anything else (a transform's result, a custom
 * type) accepts any value.
 */
export function toJsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  try {
    return z.toJSONSchema(schema, {
      io,
      unrepresentable: ({ zodSchema, message }) => {
        const type = zodSchema._zod.def.type;
        if (type === "date") {
          return {
            type: "string",
            format: "date-time",
            [UNREPRESENTABLE]: "Date",
            $comment: "A Date: superjson sends a real Date; written here as an ISO date-time.",
          };
        }
        return { [UNREPRESENTABLE]: type, $comment: `Any value: ${message}.` };
      },
    }) as JsonSchema;
  } catch (error) {
    return {
      [UNREPRESENTABLE]: "schema",
      $comment: `Could not describe this schema: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

// The part of JSON Schema (draft 2020-12) that Zod 4's z.toJSONSchema produces, read by the
// panel's form and checked by its validator. A small validator written for this subset, rather
// than a dependency: Ajv compiles schemas with `new Function` (refused by a strict CSP) and is
// ~120 kB, far more than the panel needs.

import { type JsonSchema, UNREPRESENTABLE } from "@parley/shared";

/** A JSON Schema node, with the keywords the panel reads typed. */
export interface SchemaNode {
  type?: string | string[];
  title?: string;
  description?: string;
  $comment?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  $ref?: string;
  $defs?: Record<string, SchemaNode>;
  definitions?: Record<string, SchemaNode>;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  propertyNames?: SchemaNode;
  items?: SchemaNode;
  prefixItems?: SchemaNode[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  [UNREPRESENTABLE]?: string;
}

/** A schema from panel.procedures, seen through the keywords above. */
export function asNode(schema: JsonSchema): SchemaNode {
  return schema as SchemaNode;
}

/** A path into a value, e.g. ["modelParameters", "llama", "temperature"]. */
export type ValuePath = (string | number)[];

/** One problem with a value, at a path. */
export interface Issue {
  path: ValuePath;
  message: string;
}

export const pathKey = (path: ValuePath) => path.join("/");

/** Follows `$ref`s (local ones: `#`, `#/$defs/…`) to the schema they name. */
export function resolve(node: SchemaNode, root: SchemaNode): SchemaNode {
  let current = node;
  for (let hops = 0; current.$ref !== undefined && hops < 32; hops++) {
    const ref: string = current.$ref;
    if (ref === "#") {
      current = root;
      continue;
    }
    const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    const target = match ? root[match[1] as "$defs" | "definitions"]?.[match[2] ?? ""] : undefined;
    if (!target) return {};
    current = target;
  }
  return current;
}

/** What kind of control a schema gets in the form. */
export type Shape =
  | { kind: "const"; value: unknown }
  | { kind: "enum"; options: unknown[] }
  | { kind: "union"; variants: SchemaNode[] }
  | { kind: "object"; node: SchemaNode }
  | { kind: "record"; values: SchemaNode; keys: SchemaNode | undefined }
  | { kind: "array"; items: SchemaNode }
  | { kind: "string"; date: boolean }
  | { kind: "number"; integer: boolean }
  | { kind: "boolean" }
  | { kind: "null" }
  | { kind: "any" };

/** The shape of a (resolved) schema; allOf of objects is merged into one object. */
export function shapeOf(input: SchemaNode, root: SchemaNode): Shape {
  const node = merged(resolve(input, root), root);
  if ("const" in node) return { kind: "const", value: node.const };
  if (node.enum) return { kind: "enum", options: node.enum };
  const variants = node.anyOf ?? node.oneOf;
  if (variants) return { kind: "union", variants };
  if (Array.isArray(node.type)) {
    if (node.type.length === 1) return shapeOf({ ...node, type: node.type[0] }, root);
    return { kind: "union", variants: node.type.map((type) => ({ ...node, type })) };
  }
  switch (node.type) {
    case "object":
      if (!node.properties && typeof node.additionalProperties === "object") {
        return { kind: "record", values: node.additionalProperties, keys: node.propertyNames };
      }
      return { kind: "object", node };
    case "array":
      return { kind: "array", items: node.items ?? {} };
    case "string":
      return { kind: "string", date: node[UNREPRESENTABLE] === "Date" };
    case "number":
    case "integer":
      return { kind: "number", integer: node.type === "integer" };
    case "boolean":
      return { kind: "boolean" };
    case "null":
      return { kind: "null" };
    default:
      return { kind: "any" };
  }
}

/** allOf of objects (chained tRPC inputs) as one object schema. */
function merged(node: SchemaNode, root: SchemaNode): SchemaNode {
  if (!node.allOf) return node;
  const parts = node.allOf.map((part) => merged(resolve(part, root), root));
  if (!parts.every((part) => part.type === "object")) return node;
  const { allOf: _allOf, ...rest } = node;
  return {
    ...rest,
    type: "object",
    properties: Object.assign({}, ...parts.map((part) => part.properties ?? {})),
    required: parts.flatMap((part) => part.required ?? []),
    additionalProperties: parts.some((part) => part.additionalProperties === false)
      ? false
      : undefined,
  };
}

/** A short name for a union variant, for the variant picker. */
export function variantLabel(variant: SchemaNode, root: SchemaNode, index: number): string {
  const node = resolve(variant, root);
  if (node.title) return node.title;
  if ("const" in node) return JSON.stringify(node.const);
  // A discriminated union's variants are told apart by their constant `type`-like property.
  for (const property of Object.values(node.properties ?? {})) {
    if ("const" in property && typeof property.const === "string") return property.const;
  }
  const type = Array.isArray(node.type) ? node.type.join(" | ") : node.type;
  return type ?? `variant ${index + 1}`;
}

/** A first value for a schema: its default, else the simplest valid-looking value. */
export function initialValue(input: SchemaNode, root: SchemaNode): unknown {
  const node = resolve(input, root);
  if (node.default !== undefined) return structuredClone(node.default);
  const shape = shapeOf(node, root);
  switch (shape.kind) {
    case "const":
      return shape.value;
    case "enum":
      return shape.options[0];
    case "union": {
      // Prefer a real value to null for nullable fields.
      const variant =
        shape.variants.find((v) => shapeOf(v, root).kind !== "null") ?? shape.variants[0];
      return variant ? initialValue(variant, root) : null;
    }
    case "object": {
      const value: Record<string, unknown> = {};
      for (const name of shape.node.required ?? []) {
        const property = shape.node.properties?.[name];
        if (property) value[name] = initialValue(property, root);
      }
      return value;
    }
    case "record":
      return {};
    case "array":
      return [];
    case "string":
      return shape.date ? new Date().toISOString() : "";
    case "number":
      // The smallest allowed value, so an included number starts valid.
      if (node.minimum !== undefined) return node.minimum;
      if (node.exclusiveMinimum !== undefined) return node.exclusiveMinimum + 1;
      return 0;
    case "boolean":
      return false;
    case "null":
      return null;
    case "any":
      return null;
  }
}

/** The variant of a union that a value belongs to: the first it is valid for, or of its type. */
export function variantIndex(variants: SchemaNode[], value: unknown, root: SchemaNode): number {
  const valid = variants.findIndex((variant) => validate(value, variant, root).length === 0);
  if (valid >= 0) return valid;
  const sameType = variants.findIndex((variant) => matchesType(value, resolve(variant, root)));
  return Math.max(0, sameType);
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function matchesType(value: unknown, node: SchemaNode): boolean {
  if (node.type === undefined) return false;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  const actual = jsonType(value);
  return types.some((type) => type === actual || (type === "number" && actual === "integer"));
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const FORMATS: Record<string, (text: string) => boolean> = {
  "date-time": (text) => !Number.isNaN(Date.parse(text)),
  email: (text) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text),
  uri: (text) => URL.canParse(text),
  url: (text) => URL.canParse(text),
};

/** Problems with `value` against `schema`: [] when it is valid. */
export function validate(
  value: unknown,
  input: SchemaNode,
  root: SchemaNode,
  path: ValuePath = [],
): Issue[] {
  const node = resolve(input, root);
  const issues: Issue[] = [];
  const fail = (message: string, at: ValuePath = path) => issues.push({ path: at, message });

  if (value === undefined) {
    fail("Required");
    return issues;
  }
  for (const part of node.allOf ?? []) issues.push(...validate(value, part, root, path));
  const variants = node.anyOf ?? node.oneOf;
  if (variants) {
    const results = variants.map((variant) => validate(value, variant, root, path));
    if (!results.some((result) => result.length === 0)) {
      // Report the problems of the variant the value looks like, if one does.
      const closest = variants.findIndex((variant) => matchesType(value, resolve(variant, root)));
      const chosen = closest >= 0 ? results[closest] : undefined;
      if (chosen) issues.push(...chosen);
      else fail(`Expected ${variants.map((v, i) => variantLabel(v, root, i)).join(" or ")}`);
    }
  }
  if ("const" in node && !sameValue(value, node.const)) {
    fail(`Expected ${JSON.stringify(node.const)}`);
  }
  if (node.enum && !node.enum.some((option) => sameValue(option, value))) {
    fail(`Expected one of ${node.enum.map((option) => JSON.stringify(option)).join(", ")}`);
  }
  if (node.type !== undefined && !matchesType(value, node)) {
    const types = Array.isArray(node.type) ? node.type.join(" or ") : node.type;
    fail(`Expected ${types === "integer" ? "a whole number" : `a ${types}`}`);
    return issues;
  }

  if (typeof value === "string") {
    if (node.minLength !== undefined && value.length < node.minLength) {
      fail(node.minLength === 1 ? "Required" : `At least ${node.minLength} characters`);
    }
    if (node.maxLength !== undefined && value.length > node.maxLength) {
      fail(`At most ${node.maxLength} characters`);
    }
    if (node.pattern !== undefined && !safeRegExp(node.pattern)?.test(value)) {
      fail(`Must match ${node.pattern}`);
    }
    const format = node.format ? FORMATS[node.format] : undefined;
    if (format && !format(value)) fail(`Expected a valid ${node.format}`);
  }
  if (typeof value === "number") {
    if (node.minimum !== undefined && value < node.minimum) fail(`At least ${node.minimum}`);
    if (node.maximum !== undefined && value > node.maximum) fail(`At most ${node.maximum}`);
    if (node.exclusiveMinimum !== undefined && value <= node.exclusiveMinimum) {
      fail(`More than ${node.exclusiveMinimum}`);
    }
    if (node.exclusiveMaximum !== undefined && value >= node.exclusiveMaximum) {
      fail(`Less than ${node.exclusiveMaximum}`);
    }
    if (node.multipleOf !== undefined && !Number.isInteger(value / node.multipleOf)) {
      fail(`A multiple of ${node.multipleOf}`);
    }
  }
  if (Array.isArray(value)) {
    if (node.minItems !== undefined && value.length < node.minItems) {
      fail(`At least ${node.minItems} items`);
    }
    if (node.maxItems !== undefined && value.length > node.maxItems) {
      fail(`At most ${node.maxItems} items`);
    }
    value.forEach((item, index) => {
      const itemSchema = node.prefixItems?.[index] ?? node.items;
      if (itemSchema) issues.push(...validate(item, itemSchema, root, [...path, index]));
    });
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const name of node.required ?? []) {
      if (record[name] === undefined) fail("Required", [...path, name]);
    }
    for (const [name, item] of Object.entries(record)) {
      if (item === undefined) continue;
      const property = node.properties?.[name];
      if (property) {
        issues.push(...validate(item, property, root, [...path, name]));
      } else if (node.additionalProperties === false) {
        fail(`Unknown field “${name}”`, [...path, name]);
      } else if (typeof node.additionalProperties === "object") {
        issues.push(...validate(item, node.additionalProperties, root, [...path, name]));
      }
      if (node.propertyNames && validate(name, node.propertyNames, root).length > 0) {
        fail(`“${name}” is not an allowed key`, [...path, name]);
      }
    }
  }
  return issues;
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, "u");
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      return undefined;
    }
  }
}

/**
 * The value as it goes over the wire: strings the schema marks as Dates become Dates (superjson
 * sends them as such, as the server expects). Everything else is sent as is.
 */
export function toWire(value: unknown, input: SchemaNode, root: SchemaNode): unknown {
  if (value === undefined || value === null) return value;
  const node = resolve(input, root);
  const shape = shapeOf(node, root);
  switch (shape.kind) {
    case "string":
      return shape.date && typeof value === "string" ? new Date(value) : value;
    case "union": {
      const variant = shape.variants[variantIndex(shape.variants, value, root)];
      return variant ? toWire(value, variant, root) : value;
    }
    case "array":
      return Array.isArray(value) ? value.map((item) => toWire(item, shape.items, root)) : value;
    case "record":
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [name, item] of Object.entries(value)) {
        const property =
          shape.kind === "record" ? shape.values : (shape.node.properties?.[name] ?? {});
        out[name] = toWire(item, property, root);
      }
      return out;
    }
    default:
      return value;
  }
}

/** A one-line summary of a schema's constraints, shown under its field. */
export function constraintHint(input: SchemaNode, root: SchemaNode): string {
  const node = resolve(input, root);
  const parts: string[] = [];
  if (node.minLength !== undefined && node.maxLength !== undefined) {
    parts.push(`${node.minLength}–${node.maxLength} characters`);
  } else if (node.maxLength !== undefined) {
    parts.push(`up to ${node.maxLength} characters`);
  } else if (node.minLength !== undefined) {
    parts.push(`at least ${node.minLength} characters`);
  }
  if (node.minimum !== undefined) parts.push(`≥ ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) {
    parts.push(`≤ ${node.maximum}`);
  }
  if (node.exclusiveMaximum !== undefined) parts.push(`< ${node.exclusiveMaximum}`);
  if (node.pattern) parts.push(`pattern ${node.pattern}`);
  if (node.format) parts.push(node.format);
  if (node.$comment) parts.push(node.$comment);
  return parts.join(" · ");
}

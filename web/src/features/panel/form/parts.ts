// What the form's controls share: the props of a field, and the context through which a
// control renders the fields inside it (an object's, an array's items, a union's variant)
// without importing Field back (one file per control, and no import cycle).

import { type ComponentType, createContext, type ReactNode, useContext } from "react";
import type { SchemaNode, shapeOf, ValuePath } from "../schema.ts";

export interface FieldContext {
  root: SchemaNode;
  /** Problems by path (pathKey), shown next to their fields. */
  issues: Map<string, string[]>;
}

/** The include/omit switch of an optional field. */
export interface Optional {
  present: boolean;
  include(): void;
  omit(): void;
}

export interface FieldProps {
  node: SchemaNode;
  name: string;
  path: ValuePath;
  value: unknown;
  onChange(value: unknown): void;
  context: FieldContext;
  /** null for a required field; the include/omit switch of an optional one. */
  optional: Optional | null;
  /** Buttons shown beside the label (an array item's Remove). */
  actions?: ReactNode;
}

export type Shape = ReturnType<typeof shapeOf>;

/** The attributes every input of a field carries (its label, hint and errors are elsewhere). */
export interface ControlProps {
  id: string;
  "aria-describedby": string | undefined;
  "aria-invalid": boolean | undefined;
  "aria-required": boolean | undefined;
}

export type ScalarProps = FieldProps & { shape: Shape; controlProps: ControlProps };

/** Values made of other values: shown as a fieldset of fields. */
export const isComposite = (shape: Shape) =>
  shape.kind === "object" || shape.kind === "array" || shape.kind === "record";

export const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** The form's own Field and ScalarControl, for the controls that nest them. */
export const FormParts = createContext<{
  Field: ComponentType<FieldProps>;
  ScalarControl: ComponentType<ScalarProps>;
} | null>(null);

export function useFormParts() {
  const parts = useContext(FormParts);
  if (!parts) throw new Error("a form control outside SchemaForm");
  return parts;
}

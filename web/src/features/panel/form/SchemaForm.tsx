// A form generated from a procedure's input JSON Schema: objects (and nested ones), records,
// arrays with add/remove, enums as selects, unions with a variant picker, optional fields with
// an include checkbox, defaults, booleans, numbers, strings and nullable values. The form edits
// one JSON value; the raw JSON editor edits the same value. One file per control in this folder.

import { type Issue, pathKey, type SchemaNode, shapeOf } from "../schema.ts";
import { CompositeControl, Field } from "./Field.tsx";
import { type FieldProps, FormParts } from "./parts.ts";
import { ScalarControl } from "./ScalarControl.tsx";

const PARTS = { Field, ScalarControl };

export function issuesByPath(issues: Issue[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const issue of issues) {
    const key = pathKey(issue.path);
    map.set(key, [...(map.get(key) ?? []), issue.message]);
  }
  return map;
}

export function SchemaForm(props: {
  schema: SchemaNode;
  value: unknown;
  onChange(value: unknown): void;
  issues: Issue[];
}) {
  const field: FieldProps = {
    node: props.schema,
    name: "input",
    path: [],
    value: props.value,
    onChange: props.onChange,
    context: { root: props.schema, issues: issuesByPath(props.issues) },
    optional: null,
  };
  const shape = shapeOf(props.schema, props.schema);
  // The root object's fields go straight into the form: no "input" fieldset around them.
  return (
    <FormParts.Provider value={PARTS}>
      {shape.kind === "object" ? (
        <CompositeControl {...field} shape={shape} />
      ) : (
        <Field {...field} />
      )}
    </FormParts.Provider>
  );
}

import { useId } from "react";
import { constraintHint, pathKey, resolve, type SchemaNode, shapeOf } from "../schema.ts";
import { ArrayItems } from "./ArrayItems.tsx";
import { ObjectFields } from "./ObjectFields.tsx";
import { type FieldProps, isComposite, type Shape } from "./parts.ts";
import { RecordEntries } from "./RecordEntries.tsx";
import { ScalarControl } from "./ScalarControl.tsx";

/** One value: its label, include checkbox, control, hint and errors. */
export function Field(props: FieldProps) {
  const { node: input, name, path, context, optional } = props;
  const node = resolve(input, context.root);
  const shape = shapeOf(node, context.root);
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const errors = context.issues.get(pathKey(path)) ?? [];
  const description = node.description;
  const hint = [description, constraintHint(node, context.root)].filter(Boolean).join(" · ");
  const describedBy = [hint ? hintId : null, errors.length ? errorId : null]
    .filter(Boolean)
    .join(" ");
  const absent = optional !== null && !optional.present;
  const controlProps = {
    id,
    "aria-describedby": describedBy || undefined,
    "aria-invalid": errors.length ? true : undefined,
    "aria-required": optional === null ? true : undefined,
  };
  const composite = isComposite(shape);

  const header = (
    <div className="panel-field-header">
      {optional && (
        <input
          type="checkbox"
          className="panel-include"
          aria-label={`Include ${name}`}
          checked={optional.present}
          onChange={(event) => (event.target.checked ? optional.include() : optional.omit())}
        />
      )}
      {composite || shape.kind === "const" || shape.kind === "null" ? (
        <span className="panel-field-name" id={`${id}-label`}>
          {name}
        </span>
      ) : (
        <label className="panel-field-name" htmlFor={id}>
          {name}
        </label>
      )}
      <span className="panel-field-type">
        {typeLabel(node)}
        {optional ? (optional.present ? " · optional" : " · optional, not sent") : ""}
        {node.default !== undefined ? ` · default ${JSON.stringify(node.default)}` : ""}
      </span>
      {props.actions}
    </div>
  );

  const footer = (
    <>
      {hint && (
        <p id={hintId} className="form-hint">
          {hint}
        </p>
      )}
      {errors.length > 0 && (
        <p id={errorId} className="form-error panel-field-error">
          {errors.join("; ")}
        </p>
      )}
    </>
  );

  if (composite) {
    return (
      <fieldset className="panel-fieldset" aria-labelledby={`${id}-label`}>
        {header}
        {footer}
        {!absent && <CompositeControl {...props} shape={shape} />}
      </fieldset>
    );
  }

  return (
    <div className="panel-field">
      {header}
      <ScalarControl {...props} shape={shape} controlProps={controlProps} />
      {footer}
    </div>
  );
}

function typeLabel(node: SchemaNode): string {
  if (node.enum) return "enum";
  if ("const" in node) return "constant";
  if (node.anyOf || node.oneOf) return "one of";
  if (Array.isArray(node.type)) return node.type.join(" | ");
  if (node.format === "date-time") return "date-time";
  return node.type ?? "any JSON";
}

/** The fields of a value made of values: an object's, an array's items, a record's entries. */
export function CompositeControl(props: FieldProps & { shape: Shape }) {
  const { shape, context, path, name } = props;
  if (shape.kind === "object") {
    return (
      <ObjectFields
        node={shape.node}
        value={props.value}
        onChange={props.onChange}
        path={path}
        context={context}
        label={name}
      />
    );
  }
  if (shape.kind === "array") return <ArrayItems {...props} items={shape.items} />;
  if (shape.kind === "record") {
    return <RecordEntries {...props} values={shape.values} />;
  }
  return null;
}

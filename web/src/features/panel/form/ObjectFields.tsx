import { initialValue, type SchemaNode, type ValuePath } from "../schema.ts";
import { asRecord, type FieldContext, useFormParts } from "./parts.ts";

/** An object's properties, each a field; optional ones can be left out. */
export function ObjectFields(props: {
  node: SchemaNode;
  value: unknown;
  onChange(value: unknown): void;
  path: ValuePath;
  context: FieldContext;
  label: string;
}) {
  const { node, path, context } = props;
  const { Field } = useFormParts();
  const record = asRecord(props.value);
  const required = new Set(node.required ?? []);
  const properties = Object.entries(node.properties ?? {});
  if (properties.length === 0) {
    return <p className="muted panel-empty">{props.label} has no fields.</p>;
  }
  const set = (name: string, item: unknown) => {
    if (item === undefined && !required.has(name)) {
      const { [name]: _omitted, ...rest } = record;
      props.onChange(rest);
    } else {
      props.onChange({ ...record, [name]: item });
    }
  };
  return (
    <div className="panel-fields">
      {properties.map(([name, property]) => (
        <Field
          key={name}
          node={property}
          name={name}
          path={[...path, name]}
          value={record[name]}
          onChange={(item) => set(name, item)}
          context={context}
          optional={
            required.has(name)
              ? null
              : {
                  present: name in record && record[name] !== undefined,
                  include: () => set(name, initialValue(property, context.root)),
                  omit: () => set(name, undefined),
                }
          }
        />
      ))}
    </div>
  );
}

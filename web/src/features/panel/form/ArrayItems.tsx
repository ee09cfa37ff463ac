import { initialValue, type SchemaNode } from "../schema.ts";
import { type FieldProps, useFormParts } from "./parts.ts";
import { RemoveButton } from "./RemoveButton.tsx";

/** An array: its items, each a field with a Remove, and a way to add one. */
export function ArrayItems(props: FieldProps & { items: SchemaNode }) {
  const { context, path, name } = props;
  const { Field } = useFormParts();
  const items = Array.isArray(props.value) ? props.value : [];
  return (
    <div className="panel-fields">
      {items.map((item, index) => (
        <Field
          // biome-ignore lint/suspicious/noArrayIndexKey: items have no identity but their place.
          key={index}
          node={props.items}
          name={`${name}[${index}]`}
          path={[...path, index]}
          value={item}
          onChange={(next) => props.onChange(items.map((old, i) => (i === index ? next : old)))}
          context={context}
          optional={null}
          actions={
            <RemoveButton
              label={`Remove ${name}[${index}]`}
              onClick={() => props.onChange(items.filter((_, i) => i !== index))}
            />
          }
        />
      ))}
      <div>
        <button
          type="button"
          className="button-secondary panel-small-button"
          onClick={() => props.onChange([...items, initialValue(props.items, context.root)])}
        >
          Add item to {name}
        </button>
      </div>
    </div>
  );
}

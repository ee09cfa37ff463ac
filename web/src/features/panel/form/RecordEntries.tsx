import { useId, useState } from "react";
import { initialValue, type SchemaNode } from "../schema.ts";
import { asRecord, type FieldProps, useFormParts } from "./parts.ts";
import { RemoveButton } from "./RemoveButton.tsx";

/** A record (`{ [key]: value }`): entries with an editable key each. */
export function RecordEntries(props: FieldProps & { values: SchemaNode }) {
  const { context, path, name, values } = props;
  const { Field } = useFormParts();
  const record = asRecord(props.value);
  const [newKey, setNewKey] = useState("");
  const keyId = useId();
  const add = () => {
    const key = newKey.trim();
    if (!key || key in record) return;
    props.onChange({ ...record, [key]: initialValue(values, context.root) });
    setNewKey("");
  };
  return (
    <div className="panel-fields">
      {Object.entries(record).map(([key, item]) => (
        <Field
          key={key}
          node={values}
          name={key}
          path={[...path, key]}
          value={item}
          onChange={(next) => props.onChange({ ...record, [key]: next })}
          context={context}
          optional={null}
          actions={
            <RemoveButton
              label={`Remove ${key} from ${name}`}
              onClick={() => {
                const { [key]: _removed, ...rest } = record;
                props.onChange(rest);
              }}
            />
          }
        />
      ))}
      <div className="panel-record-add">
        <label htmlFor={keyId} className="visually-hidden">
          New key in {name}
        </label>
        <input
          id={keyId}
          type="text"
          placeholder="key"
          value={newKey}
          onChange={(event) => setNewKey(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter") {
              event.preventDefault();
              add();
            }
          }}
        />
        <button type="button" className="button-secondary panel-small-button" onClick={add}>
          Add entry to {name}
        </button>
      </div>
    </div>
  );
}

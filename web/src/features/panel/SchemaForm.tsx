// A form generated from a procedure's input JSON Schema: objects (and nested ones), records,
// arrays with add/remove, enums as selects, unions with a variant picker, optional fields with
// an include checkbox, defaults, booleans, numbers, strings and nullable values. The form edits
// one JSON value; the raw JSON editor edits the same value.

import { type ReactNode, useId, useState } from "react";
import {
  constraintHint,
  type Issue,
  initialValue,
  pathKey,
  resolve,
  type SchemaNode,
  shapeOf,
  type ValuePath,
  variantIndex,
  variantLabel,
} from "./schema.ts";

interface FieldContext {
  root: SchemaNode;
  /** Problems by path (pathKey), shown next to their fields. */
  issues: Map<string, string[]>;
}

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
  return shape.kind === "object" ? (
    <CompositeControl {...field} shape={shape} />
  ) : (
    <Field {...field} />
  );
}

const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

function ObjectFields(props: {
  node: SchemaNode;
  value: unknown;
  onChange(value: unknown): void;
  path: ValuePath;
  context: FieldContext;
  label: string;
}) {
  const { node, path, context } = props;
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

interface Optional {
  present: boolean;
  include(): void;
  omit(): void;
}

interface FieldProps {
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

/** One value: its label, include checkbox, control, hint and errors. */
function Field(props: FieldProps) {
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

type Shape = ReturnType<typeof shapeOf>;

/** Values made of other values: shown as a fieldset of fields. */
const isComposite = (shape: Shape) =>
  shape.kind === "object" || shape.kind === "array" || shape.kind === "record";

interface ControlProps {
  id: string;
  "aria-describedby": string | undefined;
  "aria-invalid": boolean | undefined;
  "aria-required": boolean | undefined;
}

function typeLabel(node: SchemaNode): string {
  if (node.enum) return "enum";
  if ("const" in node) return "constant";
  if (node.anyOf || node.oneOf) return "one of";
  if (Array.isArray(node.type)) return node.type.join(" | ");
  if (node.format === "date-time") return "date-time";
  return node.type ?? "any JSON";
}

function CompositeControl(props: FieldProps & { shape: Shape }) {
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
  if (shape.kind === "array") {
    const items = Array.isArray(props.value) ? props.value : [];
    return (
      <div className="panel-fields">
        {items.map((item, index) => (
          <Field
            // biome-ignore lint/suspicious/noArrayIndexKey: items have no identity but their place.
            key={index}
            node={shape.items}
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
            onClick={() => props.onChange([...items, initialValue(shape.items, context.root)])}
          >
            Add item to {name}
          </button>
        </div>
      </div>
    );
  }
  if (shape.kind === "record") {
    return <RecordEntries {...props} values={shape.values} />;
  }
  return null;
}

/** An array item's or a record entry's "Remove", beside its label. */
function RemoveButton(props: { label: string; onClick: () => void }) {
  return (
    <button
      type="button"
      className="button-secondary panel-small-button"
      aria-label={props.label}
      onClick={props.onClick}
    >
      Remove
    </button>
  );
}

/** A record (`{ [key]: value }`): entries with an editable key each. */
function RecordEntries(props: FieldProps & { values: SchemaNode }) {
  const { context, path, name, values } = props;
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

function ScalarControl(props: FieldProps & { shape: Shape; controlProps: ControlProps }) {
  const { shape, controlProps, node } = props;
  const set = props.onChange;
  switch (shape.kind) {
    case "const":
      return <code className="panel-const">{JSON.stringify(shape.value)}</code>;
    case "null":
      return <code className="panel-const">null</code>;
    case "enum": {
      const index = shape.options.findIndex(
        (option) => JSON.stringify(option) === JSON.stringify(props.value),
      );
      return (
        <select
          {...controlProps}
          value={index >= 0 ? String(index) : ""}
          onChange={(event) => set(shape.options[Number(event.target.value)])}
        >
          {index < 0 && <option value="">Choose…</option>}
          {shape.options.map((option, i) => (
            <option key={JSON.stringify(option)} value={String(i)}>
              {typeof option === "string" ? option : JSON.stringify(option)}
            </option>
          ))}
        </select>
      );
    }
    case "union":
      return <UnionControl {...props} variants={shape.variants} />;
    case "boolean":
      return (
        <input
          {...controlProps}
          type="checkbox"
          className="panel-boolean"
          checked={props.value === true}
          onChange={(event) => set(event.target.checked)}
        />
      );
    case "number":
      return (
        <NumberInput
          controlProps={controlProps}
          value={props.value}
          integer={shape.integer}
          onChange={set}
        />
      );
    case "string": {
      const text = typeof props.value === "string" ? props.value : "";
      const long = node.maxLength === undefined || node.maxLength > 300;
      const placeholder = shape.date
        ? "2026-01-31T12:00:00.000Z"
        : typeof node.default === "string"
          ? node.default
          : undefined;
      return long && !shape.date ? (
        <textarea
          {...controlProps}
          rows={3}
          value={text}
          placeholder={placeholder}
          onChange={(event) => set(event.target.value)}
        />
      ) : (
        <input
          {...controlProps}
          type="text"
          spellCheck={false}
          value={text}
          placeholder={placeholder}
          onChange={(event) => set(event.target.value)}
        />
      );
    }
    default:
      return <AnyJsonInput controlProps={controlProps} value={props.value} onChange={set} />;
  }
}

/** A union: a picker for the variant, then that variant's control. */
function UnionControl(props: FieldProps & { controlProps: ControlProps; variants: SchemaNode[] }) {
  const { variants, context, name, controlProps } = props;
  const pickerId = useId();
  const chosen = variantIndex(variants, props.value, context.root);
  const variant = variants[chosen] ?? {};
  const variantShape = shapeOf(variant, context.root);
  const nested = isComposite(variantShape) || variantShape.kind === "union";
  return (
    <div className="panel-union">
      <label htmlFor={pickerId} className="visually-hidden">
        Type of {name}
      </label>
      <select
        id={pickerId}
        className="panel-variant"
        value={String(chosen)}
        onChange={(event) => {
          const next = variants[Number(event.target.value)];
          if (next) props.onChange(initialValue(next, context.root));
        }}
      >
        {variants.map((v, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: variants are fixed by the schema.
          <option key={i} value={String(i)}>
            {variantLabel(v, context.root, i)}
          </option>
        ))}
      </select>
      {nested ? (
        <Field
          node={variant}
          name={`${name} (${variantLabel(variant, context.root, chosen)})`}
          path={props.path}
          value={props.value}
          onChange={props.onChange}
          // The union's own field already shows the problems at this path.
          context={{ ...context, issues: without(context.issues, pathKey(props.path)) }}
          optional={null}
        />
      ) : (
        <ScalarControl {...props} node={variant} shape={variantShape} controlProps={controlProps} />
      )}
    </div>
  );
}

function without<K, V>(map: Map<K, V>, key: K): Map<K, V> {
  const copy = new Map(map);
  copy.delete(key);
  return copy;
}

/** A number field that keeps what is being typed ("-", "1.") until it is a number. */
function NumberInput(props: {
  controlProps: ControlProps;
  value: unknown;
  integer: boolean;
  onChange(value: unknown): void;
}) {
  const shown = typeof props.value === "number" ? String(props.value) : "";
  const [text, setText] = useState(shown);
  // The value changed from elsewhere (the JSON editor, a history entry): show it.
  const parsed = text.trim() === "" ? undefined : Number(text);
  const display = parsed === props.value || (parsed === undefined && shown === "") ? text : shown;
  return (
    <input
      {...props.controlProps}
      type="number"
      step={props.integer ? 1 : "any"}
      value={display}
      onChange={(event) => {
        setText(event.target.value);
        const raw = event.target.value.trim();
        props.onChange(raw === "" ? undefined : Number(raw));
      }}
    />
  );
}

/** A value of any JSON type (a schema JSON Schema cannot describe): edited as JSON. */
function AnyJsonInput(props: {
  controlProps: ControlProps;
  value: unknown;
  onChange(value: unknown): void;
}) {
  const [text, setText] = useState(() => JSON.stringify(props.value ?? null));
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <textarea
        {...props.controlProps}
        className="panel-code"
        rows={2}
        spellCheck={false}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          try {
            props.onChange(JSON.parse(event.target.value) as unknown);
            setError(null);
          } catch {
            setError("Not valid JSON yet");
          }
        }}
      />
      {error && <p className="form-error">{error}</p>}
    </>
  );
}

import { useId } from "react";
import {
  initialValue,
  pathKey,
  type SchemaNode,
  shapeOf,
  variantIndex,
  variantLabel,
} from "../schema.ts";
import { isComposite, type ScalarProps, useFormParts } from "./parts.ts";

/** A union: a picker for the variant, then that variant's control. */
export function UnionControl(props: ScalarProps & { variants: SchemaNode[] }) {
  const { variants, context, name, controlProps } = props;
  const { Field, ScalarControl } = useFormParts();
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

import { AnyJsonInput } from "./AnyJsonInput.tsx";
import { BooleanInput } from "./BooleanInput.tsx";
import { EnumSelect } from "./EnumSelect.tsx";
import { NumberInput } from "./NumberInput.tsx";
import type { ScalarProps } from "./parts.ts";
import { StringInput } from "./StringInput.tsx";
import { UnionControl } from "./UnionControl.tsx";

/** The input of a value that is not made of fields: the control its shape calls for. */
export function ScalarControl(props: ScalarProps) {
  const { shape, controlProps, value, onChange } = props;
  switch (shape.kind) {
    case "const":
      return <code className="panel-const">{JSON.stringify(shape.value)}</code>;
    case "null":
      return <code className="panel-const">null</code>;
    case "enum":
      return (
        <EnumSelect
          controlProps={controlProps}
          options={shape.options}
          value={value}
          onChange={onChange}
        />
      );
    case "union":
      return <UnionControl {...props} variants={shape.variants} />;
    case "boolean":
      return <BooleanInput controlProps={controlProps} value={value} onChange={onChange} />;
    case "number":
      return (
        <NumberInput
          controlProps={controlProps}
          value={value}
          integer={shape.integer}
          onChange={onChange}
        />
      );
    case "string":
      return (
        <StringInput
          controlProps={controlProps}
          node={props.node}
          date={shape.date}
          value={value}
          onChange={onChange}
        />
      );
    default:
      return <AnyJsonInput controlProps={controlProps} value={value} onChange={onChange} />;
  }
}

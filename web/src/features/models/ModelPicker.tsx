import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { useTRPC } from "../../trpc.ts";

/** The configured models, to choose the one a conversation uses. */
export function ModelPicker(props: {
  value: string | undefined;
  onChange: (model: string) => void;
  disabled?: boolean;
}) {
  const { value, onChange, disabled } = props;
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions());
  const id = useId();
  const known = models.data?.models ?? [];
  return (
    <span className="model-picker">
      <label htmlFor={id} className="visually-hidden">
        Model
      </label>
      <select
        id={id}
        value={value ?? ""}
        disabled={disabled || !models.data}
        onChange={(event) => onChange(event.target.value)}
      >
        {value && !known.some((model) => model.id === value) && (
          <option value={value}>{value} (unavailable)</option>
        )}
        {known.map((model) => (
          <option key={model.id} value={model.id}>
            {model.name}
          </option>
        ))}
      </select>
    </span>
  );
}

/** A model's display name, or its id when it is not configured any more. */
export function useModelName(): (id: string | null) => string | null {
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions());
  return (id) => (id ? (models.data?.models.find((model) => model.id === id)?.name ?? id) : null);
}

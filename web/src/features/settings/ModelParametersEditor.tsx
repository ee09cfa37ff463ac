import type { ModelInfo, ModelParameters, ReasoningEffort, Settings } from "@parley/shared";
import { useId, useState } from "react";

type Overrides = Settings["modelParameters"];

const EFFORTS: ReasoningEffort[] = ["minimal", "low", "medium", "high"];

interface ModelParametersEditorProps {
  models: ModelInfo[];
  /** The model shown first (the default one). */
  initialModel: string;
  overrides: Overrides;
  /** The whole new record: settings.update replaces `modelParameters` whole. */
  onChange(overrides: Overrides): void;
}

/** Picks a model, then edits that model's overrides of its configured parameters. */
export function ModelParametersEditor(props: ModelParametersEditorProps) {
  const { models, overrides, onChange } = props;
  const pickerId = useId();
  const [modelId, setModelId] = useState(() =>
    models.some((model) => model.id === props.initialModel) ? props.initialModel : models[0]?.id,
  );
  // Bumped by "Reset" so the fields drop their drafts.
  const [resets, setResets] = useState(0);
  const model = models.find((candidate) => candidate.id === modelId);

  if (!model) return <p className="muted">No models are configured.</p>;

  const setModelOverrides = (parameters: ModelParameters) => {
    const next = { ...overrides };
    const kept = Object.fromEntries(
      Object.entries(parameters).filter(([, value]) => value !== undefined),
    ) as ModelParameters;
    if (Object.keys(kept).length === 0) delete next[model.id];
    else next[model.id] = kept;
    onChange(next);
  };

  return (
    <div className="model-parameters-editor">
      <div className="form-field">
        <label htmlFor={pickerId}>Model</label>
        <select id={pickerId} value={model.id} onChange={(event) => setModelId(event.target.value)}>
          {models.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.name}
              {overrides[candidate.id] ? " (customised)" : ""}
            </option>
          ))}
        </select>
      </div>
      <ParameterFields
        key={`${model.id}:${resets}`}
        model={model}
        overrides={overrides[model.id] ?? {}}
        onChange={setModelOverrides}
      />
      {overrides[model.id] && (
        <div className="form-actions">
          <button
            type="button"
            className="button-secondary"
            onClick={() => {
              setModelOverrides({});
              setResets((count) => count + 1);
            }}
          >
            Reset {model.name} to its defaults
          </button>
        </div>
      )}
    </div>
  );
}

interface NumberRule {
  min: number;
  max: number;
  integer: boolean;
  message: string;
}

const RULES = {
  temperature: { min: 0, max: 2, integer: false, message: "Use a number from 0 to 2." },
  maxOutputTokens: {
    min: 1,
    max: 1_000_000,
    integer: true,
    message: "Use a whole number from 1 to 1,000,000.",
  },
} satisfies Record<string, NumberRule>;

/** Empty means "the model's default"; anything else must fit the rule. */
function parseNumber(text: string, rule: NumberRule): { value: number | undefined } | null {
  if (text.trim() === "") return { value: undefined };
  const value = Number(text);
  if (!Number.isFinite(value) || value < rule.min || value > rule.max) return null;
  if (rule.integer && !Number.isInteger(value)) return null;
  return { value };
}

function ParameterFields(props: {
  model: ModelInfo;
  overrides: ModelParameters;
  onChange(parameters: ModelParameters): void;
}) {
  const { model, overrides, onChange } = props;
  const defaults = model.parameters;
  const ids = {
    temperature: useId(),
    temperatureHint: useId(),
    temperatureError: useId(),
    tokens: useId(),
    tokensHint: useId(),
    tokensError: useId(),
    effort: useId(),
  };
  const [temperature, setTemperature] = useState(overrides.temperature?.toString() ?? "");
  const [maxOutputTokens, setMaxOutputTokens] = useState(
    overrides.maxOutputTokens?.toString() ?? "",
  );
  const temperatureValid = parseNumber(temperature, RULES.temperature) !== null;
  const tokensValid = parseNumber(maxOutputTokens, RULES.maxOutputTokens) !== null;

  const change = (field: "temperature" | "maxOutputTokens", text: string) => {
    (field === "temperature" ? setTemperature : setMaxOutputTokens)(text);
    const parsed = parseNumber(text, RULES[field]);
    // An invalid value stays in the field with its error, and is not saved.
    if (parsed) onChange({ ...overrides, [field]: parsed.value });
  };

  return (
    <div className="form-row">
      <div className="form-field">
        <label htmlFor={ids.temperature}>Temperature</label>
        <input
          id={ids.temperature}
          type="number"
          inputMode="decimal"
          min={0}
          max={2}
          step={0.1}
          value={temperature}
          placeholder={defaults.temperature?.toString() ?? "Default"}
          aria-invalid={!temperatureValid}
          aria-describedby={`${ids.temperatureHint}${temperatureValid ? "" : ` ${ids.temperatureError}`}`}
          onChange={(event) => change("temperature", event.target.value)}
        />
        <p id={ids.temperatureHint} className="form-hint">
          0 to 2; lower is more focused.
          {defaults.temperature !== undefined && ` Default ${defaults.temperature}.`}
        </p>
        {!temperatureValid && (
          <p id={ids.temperatureError} className="form-error">
            {RULES.temperature.message}
          </p>
        )}
      </div>

      <div className="form-field">
        <label htmlFor={ids.tokens}>Max output tokens</label>
        <input
          id={ids.tokens}
          type="number"
          inputMode="numeric"
          min={1}
          step={1}
          value={maxOutputTokens}
          placeholder={defaults.maxOutputTokens?.toString() ?? "Default"}
          aria-invalid={!tokensValid}
          aria-describedby={`${ids.tokensHint}${tokensValid ? "" : ` ${ids.tokensError}`}`}
          onChange={(event) => change("maxOutputTokens", event.target.value)}
        />
        <p id={ids.tokensHint} className="form-hint">
          The longest answer allowed.
          {defaults.maxOutputTokens !== undefined &&
            ` Default ${defaults.maxOutputTokens.toLocaleString()}.`}
        </p>
        {!tokensValid && (
          <p id={ids.tokensError} className="form-error">
            {RULES.maxOutputTokens.message}
          </p>
        )}
      </div>

      {model.capabilities.reasoning && (
        <div className="form-field">
          <label htmlFor={ids.effort}>Reasoning effort</label>
          <select
            id={ids.effort}
            value={overrides.reasoningEffort ?? ""}
            onChange={(event) =>
              onChange({
                ...overrides,
                reasoningEffort: (event.target.value || undefined) as ReasoningEffort | undefined,
              })
            }
          >
            <option value="">
              Model default{defaults.reasoningEffort ? ` (${defaults.reasoningEffort})` : ""}
            </option>
            {EFFORTS.map((effort) => (
              <option key={effort} value={effort}>
                {effort[0]?.toUpperCase()}
                {effort.slice(1)}
              </option>
            ))}
          </select>
        </div>
      )}
    </div>
  );
}

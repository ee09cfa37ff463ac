import type { ModelInfo } from "@parley/shared";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../trpc.ts";

/** The configured models with their capabilities, as the server reports them. */
export function ModelList() {
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions());

  return (
    <section className="models" aria-labelledby="models-heading" aria-busy={models.isPending}>
      <h1 id="models-heading">Models</h1>
      {models.isPending ? (
        <p role="status" className="muted">
          Loading models…
        </p>
      ) : models.isError ? (
        <div role="alert" className="error">
          <p>Could not load the models: {models.error.message}</p>
          <button type="button" onClick={() => models.refetch()} disabled={models.isFetching}>
            {models.isFetching ? "Retrying…" : "Retry"}
          </button>
        </div>
      ) : models.data.models.length === 0 ? (
        <p className="muted">No models are configured.</p>
      ) : (
        <ul className="model-list" aria-labelledby="models-heading">
          {models.data.models.map((model) => (
            <li key={model.id}>
              <ModelCard model={model} isDefault={model.id === models.data.defaultModel} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ModelCard({ model, isDefault }: { model: ModelInfo; isDefault: boolean }) {
  const parameters = describeParameters(model.parameters);
  return (
    <article className="model-card" aria-labelledby={`model-${model.id}`}>
      <h2 id={`model-${model.id}`} className="model-name">
        {model.name}
      </h2>
      <code className="model-id">{model.id}</code>
      <ul className="badges" aria-label="Capabilities">
        {isDefault && <li className="badge badge-default">Default</li>}
        {model.capabilities.vision && <li className="badge">Vision</li>}
        {model.capabilities.reasoning && <li className="badge">Reasoning</li>}
        {!model.capabilities.vision && !model.capabilities.reasoning && (
          <li className="badge badge-plain">Text</li>
        )}
      </ul>
      {model.description && <p className="model-description">{model.description}</p>}
      {parameters && <p className="model-parameters muted">{parameters}</p>}
    </article>
  );
}

function describeParameters(parameters: ModelInfo["parameters"]): string {
  const parts: string[] = [];
  if (parameters.temperature !== undefined) parts.push(`temperature ${parameters.temperature}`);
  if (parameters.maxOutputTokens !== undefined) {
    parts.push(`up to ${parameters.maxOutputTokens.toLocaleString()} output tokens`);
  }
  if (parameters.reasoningEffort) parts.push(`${parameters.reasoningEffort} reasoning effort`);
  return parts.join(" · ");
}

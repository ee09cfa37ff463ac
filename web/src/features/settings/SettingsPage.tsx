import { type ModelInfo, type Settings, type Theme, USAGE_LIMITS } from "@parley/shared";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { useTRPC } from "../../trpc.ts";
import { ExportImportSettings } from "../export-import/ExportImportSettings.tsx";
import { SharedLinks } from "../shares/SharedLinks.tsx";
import { ToolsMenu } from "../tools/ToolsMenu.tsx";
import { DeleteAllConversations } from "./DeleteAllConversations.tsx";
import { ModelParametersEditor } from "./ModelParametersEditor.tsx";
import { type SettingsPatch, useSettings } from "./useSettings.ts";
import "./forms.css";
import "./settings.css";

const THEMES: { value: Theme; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

/** /settings: preferences, saved as they change (debounced into one request). */
export default function SettingsPage() {
  const trpc = useTRPC();
  const { settings, isLoading, loadError, reload, update, saveStatus, saveError, retrySave } =
    useSettings();
  const models = useQuery(trpc.models.list.queryOptions());

  useEffect(() => {
    document.title = "Settings · Parley";
  }, []);

  return (
    <div className="form-scroll">
      <div className="form-page settings-page">
        <div className="settings-heading">
          <h1>Settings</h1>
          <SaveStatusLine status={saveStatus} />
        </div>
        <p className="form-page-intro">Changes are saved as you make them.</p>

        {saveError && (
          <div role="alert" className="form-alert settings-save-error">
            <p>Your last changes could not be saved: {saveError}</p>
            <button type="button" onClick={retrySave}>
              Try again
            </button>
          </div>
        )}

        {isLoading ? (
          <p role="status" className="muted">
            Loading settings…
          </p>
        ) : loadError || !settings ? (
          <div role="alert" className="error">
            <p>Could not load your settings: {loadError?.message}</p>
            <button type="button" onClick={() => reload()}>
              Retry
            </button>
          </div>
        ) : (
          <SettingsForm settings={settings} update={update} models={models.data} />
        )}
      </div>
    </div>
  );
}

function SaveStatusLine({ status }: { status: ReturnType<typeof useSettings>["saveStatus"] }) {
  const text =
    status === "waiting" || status === "saving"
      ? "Saving…"
      : status === "saved"
        ? "All changes saved"
        : "";
  return (
    <p role="status" className="settings-save-status">
      {text}
    </p>
  );
}

interface SettingsFormProps {
  settings: Settings;
  update(patch: SettingsPatch): void;
  models: { models: ModelInfo[]; defaultModel: string } | undefined;
}

function SettingsForm({ settings, update, models }: SettingsFormProps) {
  const ids = {
    appearance: useId(),
    chat: useId(),
    model: useId(),
    prompt: useId(),
    promptHint: useId(),
    parameters: useId(),
    data: useId(),
  };
  const serverDefault = models?.models.find((model) => model.id === models.defaultModel);
  const knownDefault =
    settings.defaultModel === null ||
    models === undefined ||
    models.models.some((model) => model.id === settings.defaultModel);

  return (
    <>
      <section className="form-section" aria-labelledby={ids.appearance}>
        <h2 id={ids.appearance}>Appearance</h2>
        <fieldset className="form-choices">
          <legend>Theme</legend>
          {THEMES.map((theme) => (
            <label key={theme.value} className="form-choice">
              <input
                type="radio"
                name="theme"
                value={theme.value}
                checked={settings.theme === theme.value}
                onChange={() => update({ theme: theme.value })}
              />
              <span>
                {theme.label}
                {theme.value === "system" && (
                  <span className="form-hint"> Follows your device's light or dark mode.</span>
                )}
              </span>
            </label>
          ))}
        </fieldset>
      </section>

      <section className="form-section" aria-labelledby={ids.chat}>
        <h2 id={ids.chat}>Chat</h2>

        <div className="form-field">
          <label htmlFor={ids.model}>Default model</label>
          <select
            id={ids.model}
            value={settings.defaultModel ?? ""}
            onChange={(event) => update({ defaultModel: event.target.value || null })}
          >
            <option value="">
              Server default{serverDefault ? ` (${serverDefault.name})` : ""}
            </option>
            {models?.models.map((model) => (
              <option key={model.id} value={model.id}>
                {model.name}
              </option>
            ))}
            {!knownDefault && settings.defaultModel && (
              <option value={settings.defaultModel}>{settings.defaultModel} (unavailable)</option>
            )}
          </select>
          <p className="form-hint">New conversations start with this model.</p>
        </div>

        <SystemPromptField
          id={ids.prompt}
          hintId={ids.promptHint}
          value={settings.systemPrompt}
          onChange={(systemPrompt) => update({ systemPrompt })}
        />

        <fieldset className="form-choices">
          <legend>Send messages with</legend>
          <label className="form-choice">
            <input
              type="radio"
              name="sendKey"
              value="enter"
              checked={settings.sendKey === "enter"}
              onChange={() => update({ sendKey: "enter" })}
            />
            <span>
              Enter
              <span className="form-hint">Shift+Enter starts a new line.</span>
            </span>
          </label>
          <label className="form-choice">
            <input
              type="radio"
              name="sendKey"
              value="mod-enter"
              checked={settings.sendKey === "mod-enter"}
              onChange={() => update({ sendKey: "mod-enter" })}
            />
            <span>
              Ctrl+Enter (⌘+Enter on a Mac)
              <span className="form-hint">Enter starts a new line.</span>
            </span>
          </label>
        </fieldset>

        <fieldset className="form-choices">
          <legend>While answers stream</legend>
          <Toggle
            label="Smooth streaming"
            hint="Reveal text at an even pace instead of in bursts."
            checked={settings.streamingSmoothing}
            onChange={(streamingSmoothing) => update({ streamingSmoothing })}
          />
          <Toggle
            label="Show reasoning"
            hint="Show a reasoning model's thinking while it streams."
            checked={settings.showReasoning}
            onChange={(showReasoning) => update({ showReasoning })}
          />
          <Toggle
            label="Wrap long lines in code"
            hint="Otherwise code blocks scroll sideways."
            checked={settings.wrapCode}
            onChange={(wrapCode) => update({ wrapCode })}
          />
        </fieldset>
        <DefaultTools value={settings.tools} onChange={(tools) => update({ tools })} />
      </section>

      <section className="form-section" aria-labelledby={ids.parameters}>
        <h2 id={ids.parameters}>Model parameters</h2>
        <p className="form-hint">
          Override a model's sampling parameters for your new messages. Leave a field empty to use
          the model's default.
        </p>
        {models ? (
          <ModelParametersEditor
            models={models.models}
            initialModel={settings.defaultModel ?? models.defaultModel}
            overrides={settings.modelParameters}
            onChange={(modelParameters) => update({ modelParameters })}
          />
        ) : (
          <p className="muted">Loading models…</p>
        )}
      </section>

      <SharedLinks />

      <ExportImportSettings />

      <section className="form-section" aria-labelledby={ids.data}>
        <h2 id={ids.data}>Your data</h2>
        <DeleteAllConversations />
      </section>
    </>
  );
}

function Toggle(props: {
  label: string;
  hint: string;
  checked: boolean;
  onChange(checked: boolean): void;
}) {
  return (
    <label className="form-choice">
      <input
        type="checkbox"
        checked={props.checked}
        onChange={(event) => props.onChange(event.target.checked)}
      />
      <span>
        {props.label}
        <span className="form-hint">{props.hint}</span>
      </span>
    </label>
  );
}

/**
 * Typing keeps its own draft (the saved value arrives a tick later and would move the caret);
 * the saved value replaces the draft when it changes elsewhere while the field is not in use.
 */
function SystemPromptField(props: {
  id: string;
  hintId: string;
  value: string;
  onChange(value: string): void;
}) {
  const [draft, setDraft] = useState(props.value);
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (document.activeElement !== field.current) setDraft(props.value);
  }, [props.value]);
  const left = USAGE_LIMITS.systemPromptChars - draft.length;

  return (
    <div className="form-field">
      <label htmlFor={props.id}>Custom system prompt</label>
      <textarea
        ref={field}
        id={props.id}
        value={draft}
        maxLength={USAGE_LIMITS.systemPromptChars}
        aria-describedby={props.hintId}
        placeholder="For example: Answer briefly. Use British spelling."
        onChange={(event) => {
          setDraft(event.target.value);
          props.onChange(event.target.value);
        }}
      />
      <p id={props.hintId} className="form-hint">
        New conversations start with this prompt.
        {left < 1_000 && ` ${left.toLocaleString()} characters left.`}
      </p>
    </div>
  );
}

/** The tools new conversations start with, when there are tools this account may use. */
function DefaultTools(props: { value: string[]; onChange: (tools: string[]) => void }) {
  const trpc = useTRPC();
  const tools = useQuery(trpc.tools.list.queryOptions());
  if (!tools.data?.allowed || tools.data.servers.length === 0) return null;
  return (
    <div className="form-field">
      <p className="form-label">Default tools</p>
      <p className="form-hint">New conversations start with these; each chat can change them.</p>
      <ToolsMenu value={props.value} onChange={props.onChange} />
    </div>
  );
}

import type { ToolServer } from "@parley/shared";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { useTRPC } from "../../trpc.ts";
import "./tools.css";

/** Whether tools can be chosen here: the caller may use them and the model can call them. */
export function useToolsAvailable(model: string | null | undefined): boolean {
  const trpc = useTRPC();
  const tools = useQuery(trpc.tools.list.queryOptions());
  const models = useQuery(trpc.models.list.queryOptions());
  const info = models.data?.models.find((candidate) => candidate.id === model);
  return Boolean(tools.data?.allowed && tools.data.servers.length > 0 && info?.capabilities.tools);
}

/**
 * The composer's tools menu: each server (all its tools at once) and each tool, as checkboxes.
 * A server that is down is shown as such, its tools disabled.
 */
export function ToolsMenu(props: {
  value: readonly string[];
  onChange: (tools: string[]) => void;
}) {
  const { value, onChange } = props;
  const trpc = useTRPC();
  const tools = useQuery({ ...trpc.tools.list.queryOptions(), refetchInterval: 15_000 });
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      // Closes the menu only (Esc in the composer also stops an answer).
      event.stopPropagation();
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey, true);
    };
  }, [open]);

  const chosen = new Set(value);
  const toggle = (entry: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(entry);
    else next.delete(entry);
    onChange([...next]);
  };
  const count = value.length;

  return (
    <div className="tools-menu" ref={root}>
      <button
        ref={button}
        type="button"
        className="button-secondary tools-button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen(!open)}
      >
        Tools{count > 0 ? ` (${count})` : ""}
      </button>
      {open && (
        <fieldset id={panelId} className="tools-panel">
          <legend className="visually-hidden">Tools</legend>
          {tools.data?.servers.map((server) => (
            <ServerChoices key={server.name} server={server} chosen={chosen} toggle={toggle} />
          ))}
        </fieldset>
      )}
    </div>
  );
}

function ServerChoices(props: {
  server: ToolServer;
  chosen: ReadonlySet<string>;
  toggle: (entry: string, on: boolean) => void;
}) {
  const { server, chosen, toggle } = props;
  const all = `${server.name}.*`;
  const down = server.status !== "ready";
  return (
    <fieldset className="tools-server" disabled={down && server.tools.length === 0}>
      <legend>
        <label>
          <input
            type="checkbox"
            checked={chosen.has(all)}
            onChange={(event) => toggle(all, event.target.checked)}
          />{" "}
          {server.name}
        </label>
        {down && (
          <span className="tools-status badge badge-plain" title={server.error}>
            {server.status === "connecting" ? "connecting…" : "down"}
          </span>
        )}
      </legend>
      {down && server.error && <p className="tools-error muted">{server.error}</p>}
      {server.tools.map((tool) => (
        <label key={tool.id} className="tools-tool" title={tool.description}>
          <input
            type="checkbox"
            checked={chosen.has(all) || chosen.has(tool.id)}
            disabled={chosen.has(all) || down}
            onChange={(event) => toggle(tool.id, event.target.checked)}
          />{" "}
          {tool.name}
          {tool.description && <span className="muted"> — {tool.description}</span>}
        </label>
      ))}
    </fieldset>
  );
}

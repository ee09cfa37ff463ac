import { useQuery } from "@tanstack/react-query";
import { isTRPCClientError } from "@trpc/client";
import { useEffect, useId, useState } from "react";
import { navigate, useSearch } from "../../app/router.tsx";
import { useTRPC } from "../../trpc.ts";
import type { RunAs } from "./client.ts";
import { HistoryList } from "./HistoryList.tsx";
import { type HistoryEntry, useHistory } from "./history.ts";
import { ProcedureTree } from "./ProcedureTree.tsx";
import { ProcedureView } from "./ProcedureView.tsx";
import "../settings/forms.css";
import "./panel.css";

/**
 * /panel: every procedure of the API, described by the server (panel.procedures), with a form
 * to run each one as this session or as an API token, and a history of recent calls.
 */
export default function PanelPage() {
  useEffect(() => {
    document.title = "API panel · Parley";
  }, []);
  const trpc = useTRPC();
  const procedures = useQuery(
    trpc.panel.procedures.queryOptions(undefined, { staleTime: Infinity }),
  );
  const search = useSearch();
  const selectedPath = new URLSearchParams(search).get("procedure");
  const [runAsKind, setRunAsKind] = useState<"session" | "token">("session");
  const [token, setToken] = useState("");
  // A history entry being loaded: a new key remounts the view with its input.
  const [loaded, setLoaded] = useState<{ key: string; input: unknown; run: boolean } | null>(null);
  const history = useHistory();

  const select = (path: string) => {
    setLoaded(null);
    navigate(`/panel?procedure=${encodeURIComponent(path)}`, { replace: true });
  };

  const load = (entry: HistoryEntry, run: boolean) => {
    setRunAsKind(entry.runAs);
    setLoaded({ key: `${entry.id}:${Date.now()}`, input: entry.input, run });
    navigate(`/panel?procedure=${encodeURIComponent(entry.path)}`, { replace: true });
  };

  const runAs: RunAs | null =
    runAsKind === "session"
      ? { kind: "session" }
      : token.trim()
        ? { kind: "token", token: token.trim() }
        : null;
  const selected = procedures.data?.find((procedure) => procedure.path === selectedPath) ?? null;

  return (
    <div className="panel-scroll">
      <div className="panel-page">
        <h1>API panel</h1>
        <p className="form-page-intro">
          Every procedure of Parley's API, described by the server. Pick one, fill in its input, and
          run it; copy the call as <code>curl</code> or as a script.
        </p>
        <RunAsPicker kind={runAsKind} onKind={setRunAsKind} token={token} onToken={setToken} />
        {procedures.isPending ? (
          <p role="status" className="muted">
            Loading procedures…
          </p>
        ) : procedures.isError ? (
          <div role="alert" className="form-alert">
            {isTRPCClientError(procedures.error) && procedures.error.data?.code === "FORBIDDEN" ? (
              <p>
                The API panel is for admins on this server. Sign in with an admin account
                (ADMIN_EMAILS), or ask for it to be opened with <code>PANEL=open</code>.
              </p>
            ) : (
              <p>Could not load the procedures: {procedures.error.message}</p>
            )}
          </div>
        ) : (
          <div className="panel-layout">
            <nav className="panel-nav" aria-label="Procedures">
              <ProcedureTree
                procedures={procedures.data}
                selected={selected?.path ?? null}
                onSelect={select}
              />
            </nav>
            <div className="panel-main">
              {selected ? (
                <ProcedureView
                  key={`${selected.path}:${loaded?.key ?? ""}`}
                  procedure={selected}
                  runAs={runAs}
                  initial={loaded && { input: loaded.input, run: loaded.run }}
                  onCalled={history.add}
                />
              ) : (
                <p className="muted panel-placeholder">
                  {selectedPath
                    ? `There is no procedure “${selectedPath}”.`
                    : "Choose a procedure on the left."}
                </p>
              )}
            </div>
          </div>
        )}
        <HistoryList entries={history.entries} onLoad={load} onClear={history.clear} />
      </div>
    </div>
  );
}

function RunAsPicker(props: {
  kind: "session" | "token";
  onKind(kind: "session" | "token"): void;
  token: string;
  onToken(token: string): void;
}) {
  const id = useId();
  return (
    <fieldset className="form-choices panel-run-as">
      <legend>Run as</legend>
      <div className="panel-run-as-choices">
        <label className="form-choice">
          <input
            type="radio"
            name={`${id}-run-as`}
            checked={props.kind === "session"}
            onChange={() => props.onKind("session")}
          />
          This session
        </label>
        <label className="form-choice">
          <input
            type="radio"
            name={`${id}-run-as`}
            checked={props.kind === "token"}
            onChange={() => props.onKind("token")}
          />
          An API token
        </label>
      </div>
      {props.kind === "token" && (
        <div className="form-field panel-token">
          <label htmlFor={`${id}-token`}>API token</label>
          <input
            id={`${id}-token`}
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="Paste a token (parley_…)"
            value={props.token}
            aria-describedby={`${id}-token-hint`}
            onChange={(event) => props.onToken(event.target.value)}
          />
          <p id={`${id}-token-hint`} className="form-hint">
            Sent as <code>Authorization: Bearer …</code> with no cookies. Kept in this page only,
            never in the history.
          </p>
        </div>
      )}
    </fieldset>
  );
}

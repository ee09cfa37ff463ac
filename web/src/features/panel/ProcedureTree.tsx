import type { ProcedureDescription } from "@parley/shared";
import { useId, useMemo, useState } from "react";

/** Procedures grouped by router (`conversations`, `messages`…), narrowed by a filter box. */
export function ProcedureTree(props: {
  procedures: ProcedureDescription[];
  selected: string | null;
  onSelect(path: string): void;
}) {
  const filterId = useId();
  const [filter, setFilter] = useState("");
  const groups = useMemo(() => {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    const byRouter = new Map<string, ProcedureDescription[]>();
    for (const procedure of props.procedures) {
      const haystack = `${procedure.path} ${procedure.kind} ${procedure.description ?? ""}`;
      if (!words.every((word) => haystack.toLowerCase().includes(word))) continue;
      const router = procedure.path.includes(".")
        ? procedure.path.slice(0, procedure.path.lastIndexOf("."))
        : "";
      byRouter.set(router, [...(byRouter.get(router) ?? []), procedure]);
    }
    return [...byRouter];
  }, [props.procedures, filter]);
  const shown = groups.reduce((count, [, procedures]) => count + procedures.length, 0);

  return (
    <div className="panel-tree">
      <label htmlFor={filterId} className="panel-tree-label">
        Filter procedures
      </label>
      <input
        id={filterId}
        type="search"
        className="panel-filter"
        placeholder="e.g. conversations, stream"
        value={filter}
        onChange={(event) => setFilter(event.target.value)}
      />
      <p role="status" className="form-hint">
        {shown === props.procedures.length
          ? `${shown} procedures`
          : `${shown} of ${props.procedures.length} procedures`}
      </p>
      {groups.length === 0 ? (
        <p className="muted">No procedure matches “{filter}”.</p>
      ) : (
        <ul className="panel-tree-groups">
          {groups.map(([router, procedures]) => (
            <li key={router}>
              <span className="panel-tree-group" id={`${filterId}-${router}`}>
                {router || "(root)"}
              </span>
              <ul aria-labelledby={`${filterId}-${router}`}>
                {procedures.map((procedure) => {
                  const leaf = procedure.path.slice(router ? router.length + 1 : 0);
                  const current = procedure.path === props.selected;
                  return (
                    <li key={procedure.path}>
                      <button
                        type="button"
                        className="panel-tree-item"
                        // The whole path, which the visible text (the group's) leaves out.
                        aria-label={`${procedure.path} ${procedure.kind}`}
                        aria-current={current ? "true" : undefined}
                        title={procedure.description ?? undefined}
                        onClick={() => props.onSelect(procedure.path)}
                      >
                        <span>{leaf}</span>{" "}
                        <span className={`panel-kind panel-kind-${procedure.kind}`}>
                          {procedure.kind}
                        </span>
                      </button>
                    </li>
                  );
                })}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

import { useDisclosure } from "../../lib/useDisclosure.ts";
import { ExportButton, ExportFailure } from "./ExportButton.tsx";
import { useExport } from "./useExport.ts";
import "./export-import.css";

/**
 * "Export" in a conversation's header: the whole conversation as JSON (every branch and file,
 * to import again), or the branch shown (ending at `leafId`) as Markdown to read.
 */
export function ExportMenu(props: { conversationId: string; leafId: string | undefined }) {
  const { conversationId, leafId } = props;
  const menu = useDisclosure();
  const exporter = useExport();

  return (
    <div className="export-menu" ref={menu.rootRef}>
      <button type="button" className="button-secondary" {...menu.buttonProps}>
        Export
      </button>
      {menu.open && (
        <div id={menu.panelId} className="menu-panel export-menu-panel">
          <ExportButton
            exporter={exporter}
            input={{ id: conversationId, format: "markdown", ...(leafId ? { leafId } : {}) }}
            onDone={menu.close}
          >
            Markdown (this branch)
          </ExportButton>
          <ExportButton
            exporter={exporter}
            input={{ id: conversationId, format: "json" }}
            onDone={menu.close}
          >
            JSON (every branch and file)
          </ExportButton>
          <ExportFailure exporter={exporter} />
        </div>
      )}
    </div>
  );
}

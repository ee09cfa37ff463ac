import { useId } from "react";

/** A call copied as curl or TypeScript, shown too: the clipboard may have refused it. */
export function CopiedSnippet(props: { copied: { what: string; text: string; ok: boolean } }) {
  const { copied } = props;
  const id = useId();
  return (
    <div className="panel-copied">
      <p role="status" className="form-hint">
        {copied.ok
          ? `Copied as ${copied.what}.`
          : `Could not copy as ${copied.what}: select the text below and copy it.`}
      </p>
      <label htmlFor={id} className="visually-hidden">
        {copied.what} command
      </label>
      <textarea
        id={id}
        className="panel-code panel-snippet"
        readOnly
        spellCheck={false}
        rows={Math.min(16, copied.text.split("\n").length + 1)}
        value={copied.text}
        onFocus={(event) => event.target.select()}
      />
    </div>
  );
}

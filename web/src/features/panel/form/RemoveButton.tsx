/** An array item's or a record entry's "Remove", beside its label. */
export function RemoveButton(props: { label: string; onClick: () => void }) {
  return (
    <button
      type="button"
      className="button-secondary panel-small-button"
      aria-label={props.label}
      onClick={props.onClick}
    >
      Remove
    </button>
  );
}

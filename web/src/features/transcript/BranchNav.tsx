import type { Message } from "@parley/shared";
import { IconButton } from "../../lib/icons.tsx";

/** `‹ 2 / 3 ›` at a fork: which of the sibling branches is shown, and the way to the others. */
export function BranchNav(props: {
  siblings: readonly Message[];
  current: Message;
  onSelect: (message: Message) => void;
  disabled?: boolean;
}) {
  const { siblings, current, onSelect, disabled } = props;
  if (siblings.length < 2) return null;
  const index = siblings.findIndex((sibling) => sibling.id === current.id);
  const previous = siblings[index - 1];
  const next = siblings[index + 1];
  return (
    // biome-ignore lint/a11y/useSemanticElements: a group of buttons, not a form fieldset.
    <span className="branch-nav" role="group" aria-label="Branches">
      <IconButton
        label="Previous branch"
        disabled={!previous || disabled}
        onClick={() => previous && onSelect(previous)}
      >
        ‹
      </IconButton>
      <span className="branch-position" aria-live="polite">
        {index + 1} / {siblings.length}
      </span>
      <IconButton
        label="Next branch"
        disabled={!next || disabled}
        onClick={() => next && onSelect(next)}
      >
        ›
      </IconButton>
    </span>
  );
}

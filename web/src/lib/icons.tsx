// Small stroke icons, drawn in the current text colour; their buttons carry the label.

import type { ComponentProps, ReactNode } from "react";

function StrokeIcon(props: {
  size?: number;
  strokeWidth?: number;
  className?: string;
  children: ReactNode;
}) {
  const { size = 16, strokeWidth = 1.8, className, children } = props;
  return (
    <svg
      className={className}
      viewBox="0 0 24 24"
      width={size}
      height={size}
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth={strokeWidth}
    >
      {children}
    </svg>
  );
}

export function PencilIcon() {
  return (
    <StrokeIcon>
      <path d="M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4" strokeLinejoin="round" />
    </StrokeIcon>
  );
}

export function TrashIcon() {
  return (
    <StrokeIcon>
      <path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6" strokeLinejoin="round" />
    </StrokeIcon>
  );
}

export function CopyIcon() {
  return (
    <StrokeIcon>
      <rect x="8" y="8" width="12" height="12" rx="2" />
      <path d="M16 8V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h3" />
    </StrokeIcon>
  );
}

export function CheckIcon() {
  return (
    <StrokeIcon strokeWidth={2}>
      <path d="M5 12l5 5 9-10" />
    </StrokeIcon>
  );
}

export function RetryIcon() {
  return (
    <StrokeIcon>
      <path d="M4 12a8 8 0 1 0 2.5-5.8M4 4v4h4" />
    </StrokeIcon>
  );
}

export function InspectIcon() {
  return (
    <StrokeIcon>
      <path d="M8 6l-5 6 5 6M16 6l5 6-5 6" />
    </StrokeIcon>
  );
}

export function CloseIcon() {
  return (
    <StrokeIcon size={14} strokeWidth={2}>
      <path d="M6 6l12 12M18 6L6 18" />
    </StrokeIcon>
  );
}

export function PlusIcon() {
  return (
    <StrokeIcon strokeWidth={2}>
      <path d="M12 5v14M5 12h14" />
    </StrokeIcon>
  );
}

export function MenuIcon() {
  return (
    <StrokeIcon size={20} strokeWidth={2}>
      <path d="M4 6h16M4 12h16M4 18h16" />
    </StrokeIcon>
  );
}

export function PaperclipIcon() {
  return (
    <StrokeIcon size={18}>
      <path
        d="M20 11.5l-7.8 7.8a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8"
        strokeLinecap="round"
      />
    </StrokeIcon>
  );
}

export function FileIcon({ className }: { className?: string }) {
  return (
    <StrokeIcon size={20} className={className}>
      <path
        d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zM14 3v5h5"
        strokeLinejoin="round"
      />
    </StrokeIcon>
  );
}

/**
 * A button that shows only an icon (its children): `label` names it for screen readers, and
 * `title`, where given, is the tooltip.
 */
export function IconButton(
  props: Omit<ComponentProps<"button">, "type" | "aria-label"> & { label: string },
) {
  const { label, className, ...rest } = props;
  return (
    <button
      type="button"
      className={className ? `icon-button ${className}` : "icon-button"}
      aria-label={label}
      {...rest}
    />
  );
}

import type { SendKey } from "@parley/shared";
import type { KeyboardEvent } from "react";

/** Whether this key press sends, given the send-key setting (the composer, editing a message). */
export function isSendKey(event: KeyboardEvent, sendKey: SendKey): boolean {
  if (event.key !== "Enter" || event.nativeEvent.isComposing) return false;
  const mod = event.ctrlKey || event.metaKey;
  return sendKey === "mod-enter" ? mod : !event.shiftKey && !event.altKey;
}

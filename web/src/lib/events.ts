/** Window events the app's parts use to ask each other for something. */

/** Put the cursor in the message input (sent by "New chat" and Ctrl/Cmd+Shift+O). */
export const FOCUS_COMPOSER = "parley:focus-composer";

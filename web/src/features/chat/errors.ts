/** What went wrong, in words, from anything a call may throw. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

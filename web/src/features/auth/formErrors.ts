/** The parts of a tRPC client error a form reads (see errorFormatter in server/src/trpc/init.ts). */
export interface ErrorLike {
  message: string;
  data?: {
    zodIssues?: readonly { path: readonly PropertyKey[]; message: string; code?: string }[] | null;
  } | null;
}

export interface FormErrors {
  /** What to say above the form. */
  form: string | null;
  /** Per input field name, the first problem with it. */
  fields: Record<string, string>;
}

export const NO_ERRORS: FormErrors = { form: null, fields: {} };

/**
 * A failed mutation as a form shows it: the Zod issues of a rejected input next to their
 * fields, anything else (wrong password, taken email, rate limit) as the server said it.
 */
export function formErrors(error: ErrorLike | null | undefined): FormErrors {
  if (!error) return NO_ERRORS;
  const issues = error.data?.zodIssues ?? [];
  if (issues.length > 0) {
    const fields: Record<string, string> = {};
    let form: string | null = null;
    for (const issue of issues) {
      const field = issue.path[0];
      const message = readable(issue);
      if (typeof field === "string") fields[field] ??= message;
      else form ??= message;
    }
    return { form: form ?? "Check the highlighted fields.", fields };
  }
  if (error.data === undefined || error.message === "Failed to fetch") {
    return { form: "Could not reach the server. Check your connection and try again.", fields: {} };
  }
  return { form: error.message, fields: {} };
}

/** Zod's own wording for an empty required string is for developers; say it plainly. */
function readable(issue: { message: string; code?: string; minimum?: unknown }) {
  if (issue.code === "too_small" && issue.minimum === 1) return "This field is required.";
  return issue.message;
}

import { type ErrorLike, errorText } from "../../lib/errors.ts";

export type { ErrorLike };

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
  return { form: errorText(error), fields: {} };
}

/** Zod's own wording for an empty required string is for developers; say it plainly. */
function readable(issue: { message: string; code?: string; minimum?: unknown }) {
  if (issue.code === "too_small" && issue.minimum === 1) return "This field is required.";
  return issue.message;
}

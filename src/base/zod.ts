import type { z } from 'zod';

/** A zod error in one line: the first issue's path and message, and how many more there are. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.length ? issue.path.join('.') : 'body';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${path}: ${issue.message}${more}`;
}

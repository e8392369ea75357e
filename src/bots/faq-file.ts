import { z } from 'zod';
import { readConfigFile } from './config';
import { wordsPattern } from './text';

/**
 * A FAQ file (default config/faq.json): entries of keywords (whole words, any case) and/or a
 * regular expression, and an answer; the first entry that matches answers. Read by the `faq` bot
 * and by the `assistant`'s `lookup_faq` tool.
 */

const validRegex = (v: { pattern?: string; flags?: string }) => {
  if (v.pattern === undefined) return true;
  try {
    new RegExp(v.pattern, v.flags ?? 'i');
    return true;
  } catch {
    return false;
  }
};

const Entry = z
  .strictObject({
    keywords: z.array(z.string().trim().min(1)).min(1).optional(),
    pattern: z.string().min(1).optional(),
    /** RegExp flags for `pattern` (default "i"). */
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'expected RegExp flags from i, m, s, u')
      .optional(),
    answer: z.string().trim().min(1),
  })
  .refine((e) => e.keywords || e.pattern, 'give `keywords` or `pattern`')
  .refine(validRegex, { message: 'not a valid regular expression', path: ['pattern'] });

export const FaqFile = z.strictObject({
  $schema: z.string().optional(),
  answers: z.array(Entry).min(1),
  /** Said when nothing matches; omit to stay silent. */
  fallback: z.string().trim().min(1).optional(),
});

export interface Faq {
  /** The answer of the first entry that matches, if any. */
  answer(text: string): string | undefined;
  fallback?: string;
}

/** Read and check a FAQ file (a ConfigError names the file and the field). */
export function loadFaq(file: string): Faq {
  const parsed = readConfigFile(file, FaqFile);
  const rules = parsed.answers.map((e) => {
    const test: RegExp[] = [];
    if (e.keywords) test.push(wordsPattern(e.keywords));
    if (e.pattern) test.push(new RegExp(e.pattern, e.flags ?? 'i'));
    return { test, answer: e.answer };
  });
  return { answer: (text) => rules.find((r) => r.test.some((t) => t.test(text)))?.answer, fallback: parsed.fallback };
}

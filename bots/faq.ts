import { defineBot, readConfigFile, wordsPattern } from 'switchboard';
import { z } from 'zod';

/**
 * Answers frequent questions from a JSON file (default config/faq.json): each entry has keywords
 * (whole words, any case) and/or a regular expression, and an answer. The first entry that matches
 * answers; nothing matches, nothing is said (unless the file has a `fallback`).
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

interface Rule {
  test: RegExp[];
  answer: string;
}

function compile(file: z.output<typeof FaqFile>): { rules: Rule[]; fallback?: string } {
  const rules = file.answers.map((e) => {
    const test: RegExp[] = [];
    if (e.keywords) test.push(wordsPattern(e.keywords));
    if (e.pattern) test.push(new RegExp(e.pattern, e.flags ?? 'i'));
    return { test, answer: e.answer };
  });
  return { rules, fallback: file.fallback };
}

const Options = z.strictObject({
  /** The answers file, relative to the working directory. */
  file: z.string().min(1).default('config/faq.json'),
});
type Options = z.output<typeof Options>;

const loaded = new WeakMap<Options, ReturnType<typeof compile>>();

export default defineBot({
  name: 'faq',
  description: 'Answers keyword and regex questions from config/faq.json',
  options: Options,
  filter: { kind: 'text' },
  setup({ options }) {
    loaded.set(options, compile(readConfigFile(options.file, FaqFile)));
  },
  async onMessage(ctx) {
    const faq = loaded.get(ctx.options)!;
    const text = ctx.message?.text ?? '';
    const hit = faq.rules.find((r) => r.test.some((t) => t.test(text)));
    const answer = hit?.answer ?? faq.fallback;
    if (answer) await ctx.reply(answer);
  },
});

import { defineBot, type Faq, loadFaq } from 'switchboard';
import { z } from 'zod';

/**
 * Answers frequent questions from a JSON file (default config/faq.json): each entry has keywords
 * (whole words, any case) and/or a regular expression, and an answer. The first entry that matches
 * answers; nothing matches, nothing is said (unless the file has a `fallback`).
 */

const Options = z.strictObject({
  /** The answers file, relative to the working directory. */
  file: z.string().min(1).default('config/faq.json'),
});
type Options = z.output<typeof Options>;

const loaded = new WeakMap<Options, Faq>();

export default defineBot({
  name: 'faq',
  description: 'Answers keyword and regex questions from config/faq.json',
  options: Options,
  filter: { kind: 'text' },
  setup({ options }) {
    loaded.set(options, loadFaq(options.file));
  },
  async onMessage(ctx) {
    const faq = loaded.get(ctx.options)!;
    const answer = faq.answer(ctx.message?.text ?? '') ?? faq.fallback;
    if (answer) await ctx.reply(answer);
  },
});

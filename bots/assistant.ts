import OpenAI from 'openai';
import { ConfigError, defineBot, type Message } from 'switchboard';
import { z } from 'zod';

/**
 * Answers with an OpenAI-compatible chat model (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL).
 * The system prompt comes from config/bots.json; the conversation's recent messages are the
 * context. Each call has a timeout and a few retries (the SDK retries timeouts, 429 and 5xx); when
 * the model still fails the customer gets a polite fallback instead of silence. Replies longer
 * than the provider takes are cut by the runtime (WAMM: 4,500 characters).
 */

const Options = z.strictObject({
  systemPrompt: z.string().min(1).default('You are a helpful, polite customer support assistant. Answer briefly, in the language of the customer.'),
  /** How many recent messages of the conversation (including the new one) the model sees. */
  history: z.number().int().min(1).max(100).default(12),
  /** Per attempt. */
  timeoutMs: z.number().int().min(100).default(20_000),
  retries: z.number().int().min(0).max(5).default(2),
  /** Default OPENAI_MODEL. */
  model: z.string().min(1).optional(),
  maxTokens: z.number().int().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  fallback: z.string().min(1).default('Sorry, I cannot answer right now. Please try again in a few minutes, or write "operator" to reach a person.'),
});
type Options = z.output<typeof Options>;

const clients = new WeakMap<Options, OpenAI>();

type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** The conversation as the model sees it: customers are `user`, our bots' replies `assistant`. */
export function toChat(systemPrompt: string, history: Message[]): ChatMessage[] {
  const turns = history
    .filter((m) => m.kind === 'text' && m.text && m.status !== 'failed')
    .map((m): ChatMessage => (m.direction === 'outbound' ? { role: 'assistant', content: m.text! } : { role: 'user', content: m.text! }));
  return [{ role: 'system', content: systemPrompt }, ...turns];
}

export default defineBot({
  name: 'assistant',
  description: 'Answers with an OpenAI-compatible chat model',
  options: Options,
  filter: { kind: 'text' },
  setup({ options, config }) {
    // Named in the problem, not as the variable: the log redacts whatever follows "API_KEY:".
    if (!config.OPENAI_API_KEY)
      throw new ConfigError('assistant', 'OPENAI_API_KEY is not set; the bot needs a key for the OpenAI-compatible API (OPENAI_BASE_URL)');
    clients.set(
      options,
      new OpenAI({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, timeout: options.timeoutMs, maxRetries: options.retries }),
    );
  },
  async onMessage(ctx) {
    if (!ctx.canReply || !ctx.message?.text) return; // nobody could read the answer: do not pay for it
    const { options } = ctx;
    await ctx.typing(); // "typing…" while the model thinks (Telegram), until the answer goes
    const messages = toChat(options.systemPrompt, await ctx.history(options.history));
    let answer: string | undefined;
    try {
      const completion = await clients.get(options)!.chat.completions.create({
        model: options.model ?? ctx.config.OPENAI_MODEL,
        messages,
        ...(options.maxTokens ? { max_tokens: options.maxTokens } : {}),
        ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      });
      answer = completion.choices[0]?.message?.content?.trim() || undefined;
      if (!answer) ctx.log.warn('model returned no text; sending the fallback', { finishReason: completion.choices[0]?.finish_reason });
    } catch (err) {
      const e = err as Error & { status?: number };
      ctx.log.warn('model call failed; sending the fallback', { error: e.message, status: e.status, kind: e.constructor?.name });
    }
    await ctx.reply(answer ?? options.fallback);
  },
});

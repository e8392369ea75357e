import { ConfigError, defineBot } from 'switchboard';
import { z } from 'zod';

/**
 * Collects attendees' questions from webinar chats (Webinato rooms, SuperViz channels) and posts
 * each new one to the presenter's Telegram chat, saying who asked and where.
 *
 * A message is a question when it ends with a question mark (`questionMark`) or starts with one of
 * `prefixes` ("Q:", "Question:"…). Repeats are dropped: the text is normalized (case, punctuation,
 * spacing, the prefix) and remembered per conversation in ctx.state. Presenters' and organizers'
 * own messages are never collected.
 */

const Options = z.strictObject({
  /** The presenter's Telegram chat id; default TELEGRAM_OPERATOR_CHAT_ID. */
  presenterChat: z
    .union([z.string().trim().min(1), z.number().int()])
    .transform(String)
    .optional(),
  presenterProvider: z.string().min(1).default('telegram'),
  /** Where questions are collected. */
  providers: z.array(z.string().min(1)).min(1).default(['webinato', 'superviz']),
  /** Treat a message that ends with "?" as a question. */
  questionMark: z.boolean().default(true),
  /** Treat a message that starts with one of these (any case) as a question. */
  prefixes: z.array(z.string().trim().min(1)).default(['Q:', 'Question:', 'В:', 'Вопрос:']),
  /** Shorter texts (after the prefix) are not questions ("?" alone, "Q: ?"). */
  minLength: z.number().int().min(1).default(3),
  /** How many questions to remember per conversation for dropping repeats. */
  remember: z.number().int().min(1).default(500),
});
type Options = z.output<typeof Options>;

interface QaState {
  [key: string]: unknown;
  seen?: string[];
  asked?: number;
}

const presenters = new WeakMap<Options, string>();

/** The question without its prefix, or undefined when the text is not a question. */
export function questionOf(text: string, o: Pick<Options, 'questionMark' | 'prefixes' | 'minLength'>): string | undefined {
  let q = text.trim();
  let prefixed = false;
  for (const p of o.prefixes) {
    if (q.toLowerCase().startsWith(p.toLowerCase())) {
      q = q.slice(p.length).trim();
      prefixed = true;
      break;
    }
  }
  const asks = prefixed || (o.questionMark && /[?？؟]\s*$/.test(q));
  return asks && q.replace(/[?？؟\s]/g, '').length >= o.minLength ? q : undefined;
}

/** Same question, different spelling: case, accents of punctuation, spacing. */
export function normalizeQuestion(q: string): string {
  return q
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export default defineBot<QaState, Options>({
  name: 'webinar-qa',
  description: "Posts attendees' new questions from webinar chats to the presenter's Telegram chat",
  options: Options,
  filter: { kind: 'text' },
  setup({ options, config }) {
    const chat = options.presenterChat ?? config.TELEGRAM_OPERATOR_CHAT_ID;
    if (!chat)
      throw new ConfigError('webinar-qa', 'set options.presenterChat in config/bots.json (or TELEGRAM_OPERATOR_CHAT_ID): the chat that receives the questions');
    presenters.set(options, chat);
  },
  async onMessage(ctx) {
    const { message, conversation, options } = ctx;
    if (!message || !conversation || !options.providers.includes(conversation.provider)) return;
    if (['presenter', 'organizer', 'bot'].includes(message.author.role)) return;
    const question = questionOf(message.text ?? '', options);
    if (!question) return;
    const key = normalizeQuestion(question);
    const seen = ctx.state.seen ?? [];
    if (seen.includes(key)) {
      ctx.log.debug('repeated question dropped', { question });
      return;
    }
    ctx.state.seen = [...seen, key].slice(-options.remember);
    ctx.state.asked = (ctx.state.asked ?? 0) + 1;
    const who = ctx.participant?.name ?? message.author.name ?? message.author.id;
    const where = `${conversation.provider} "${conversation.title ?? conversation.externalId}"`;
    await ctx.send(
      { provider: options.presenterProvider, externalId: presenters.get(options)! },
      `❓ #${ctx.state.asked} from ${who} in ${where}:\n${question}`,
      { meta: { question: { conversationId: conversation.id, messageId: message.id } } },
    );
  },
});

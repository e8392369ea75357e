import { ConfigError, defineBot, ReceiveOnlyError, wordsPattern, type Context, type Conversation, type Message } from 'switchboard';
import { z } from 'zod';

/**
 * Hands a conversation to human operators working in one Telegram chat (TELEGRAM_OPERATOR_CHAT_ID).
 *
 * - A hand-off starts when a customer writes one of `triggers` ("operator", "human", "оператор"…,
 *   whole words). The conversation's status becomes `handoff` (visible in the admin API) and every
 *   other bot falls silent there; put this bot first in the routes so nothing else answers the
 *   trigger message itself.
 * - While handed off, each customer message is forwarded to the operator chat saying who wrote and
 *   where. The forwarded message carries the customer conversation's id in its meta.
 * - An operator answers by replying (Telegram "Reply") to a forwarded message: the answer goes to
 *   the customer on the customer's provider. `/done` as such a reply hands the conversation back
 *   to the bots.
 * - The operator chat itself is marked `handoff` the first time an operator writes there, so no
 *   other bot ever talks in it.
 */

const Options = z.strictObject({
  /** The operators' Telegram chat id; default TELEGRAM_OPERATOR_CHAT_ID. */
  operatorChat: z
    .union([z.string().regex(/^-?\d+$/, 'expected a numeric Telegram chat id'), z.number().int()])
    .transform(String)
    .optional(),
  operatorProvider: z.string().min(1).default('telegram'),
  /** Words that make a customer's message start a hand-off (whole words, any case). Empty = never by keyword. */
  triggers: z.array(z.string().trim().min(1)).default(['operator', 'human', 'agent', 'person', 'оператор', 'человек']),
  connectingText: z.string().min(1).default('Connecting you with a person; please wait, they will answer here.'),
  closedText: z.string().min(1).default('The operator has closed this conversation. Write "operator" again any time.'),
});
type Options = z.output<typeof Options>;

interface Handoff {
  /** The customer conversation a forwarded message belongs to. */
  conversationId: number;
}

const triggerRes = new WeakMap<Options, RegExp | undefined>();
const operatorChats = new WeakMap<Options, string>();

const DONE = /^\/done(@\w+)?\s*$/i;

function who(ctx: Context<any, any>): string {
  const m = ctx.message!;
  return ctx.participant?.name ?? m.author.name ?? m.author.id;
}

function where(c: Conversation): string {
  return `${c.provider}, ${c.title ? `"${c.title}"` : c.externalId}`;
}

function describe(m: Message): string {
  const media = m.media?.url ? ` [${m.kind}: ${m.media.url}]` : m.kind !== 'text' ? ` [${m.kind}]` : '';
  return `${m.text ?? ''}${media}`.trim();
}

export default defineBot({
  name: 'handoff',
  description: 'Hands conversations to human operators in a Telegram chat and back',
  options: Options,
  duringHandoff: true,
  setup({ options, config }) {
    const chat = options.operatorChat ?? config.TELEGRAM_OPERATOR_CHAT_ID;
    if (!chat) throw new ConfigError('TELEGRAM_OPERATOR_CHAT_ID', 'the handoff bot needs the Telegram chat id where operators work');
    operatorChats.set(options, chat);
    triggerRes.set(options, options.triggers.length ? wordsPattern(options.triggers) : undefined);
  },
  async onMessage(ctx) {
    const conversation = ctx.conversation!;
    const message = ctx.message!;
    const operatorChat = { provider: ctx.options.operatorProvider, externalId: operatorChats.get(ctx.options)! };
    if (conversation.provider === operatorChat.provider && conversation.externalId === operatorChat.externalId) {
      await fromOperator(ctx, conversation, message);
      return;
    }
    const meta = { handoff: { conversationId: conversation.id } satisfies Handoff };
    if (conversation.status === 'handoff') {
      await ctx.send(operatorChat, `💬 ${who(ctx)} (${where(conversation)}):\n${describe(message)}`, { meta });
      return;
    }
    const trigger = triggerRes.get(ctx.options);
    if (!trigger?.test(message.text ?? '')) return;
    ctx.setConversationStatus('handoff');
    await ctx.send(
      operatorChat,
      `🙋 ${who(ctx)} (${where(conversation)}) asks for a person. Reply to this message to answer; reply /done to hand back.\n${describe(message)}`,
      { meta },
    );
    if (ctx.canReply) await ctx.reply(ctx.options.connectingText);
    ctx.log.info('conversation handed off to operators', { conversationId: conversation.id });
  },
});

async function fromOperator(ctx: Context<any, Options>, operatorConversation: Conversation, message: Message): Promise<void> {
  if (operatorConversation.status !== 'handoff') ctx.setConversationStatus('handoff'); // humans only in the operator chat
  const forwarded = message.replyToExternalId ? await ctx.lookup(operatorConversation.provider, message.replyToExternalId) : undefined;
  const handoff = forwarded?.meta?.handoff as Handoff | undefined;
  if (!handoff) {
    if (DONE.test(message.text ?? '')) await ctx.reply('Reply /done to a forwarded customer message to hand that conversation back.');
    return;
  }
  const customer = await ctx.getConversation({ id: handoff.conversationId });
  if (!customer) return;
  const tell = async (text: string, media?: Message['media']) => {
    try {
      await ctx.send({ id: customer.id }, media ? { ...(text ? { text } : {}), media } : { text });
    } catch (err) {
      if (!(err instanceof ReceiveOnlyError)) throw err;
      await ctx.reply(`${customer.provider} is receive-only: the customer cannot be answered there.`);
    }
  };
  if (DONE.test(message.text ?? '')) {
    ctx.setConversationStatus('open', customer);
    await tell(ctx.options.closedText);
    await ctx.reply(`✅ Handed back to the bots: ${where(customer)}.`);
    ctx.log.info('conversation handed back to bots', { conversationId: customer.id });
    return;
  }
  // An answer after /done takes the conversation back, so bots do not talk over the operator.
  if (!message.text && !message.media) return;
  if (customer.status !== 'handoff') ctx.setConversationStatus('handoff', customer);
  // Media only travels as a URL; a Telegram file_id means nothing on another provider.
  const media = message.media?.url ? message.media : undefined;
  await tell(media || !message.media ? (message.text ?? '') : `${message.text ?? ''} [${message.kind} not forwarded]`.trim(), media);
}

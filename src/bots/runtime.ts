import type { Logger } from 'winston';
import type { Conversation, ConversationRef, OutgoingMessage } from '../model';
import { ReceiveOnlyError } from '../providers/types';
import type { CompleteDispatch, Dispatch, NewOutbound, Store } from '../store/types';
import { matches, type Bot, type Context, type Handler, type Outgoing } from './define';

/** What the runtime needs to know about providers (no provider folder is imported). */
export interface ProviderInfo {
  reply: boolean;
  maxTextLength?: number;
}

export interface BotRoute {
  bot: Bot;
  /** Restrict to these providers / conversations (config/bots.json). */
  providers?: string[];
  conversations?: string[];
}

type Reads = Pick<Store, 'getMessage' | 'getConversation' | 'getParticipant' | 'listMessages' | 'getBotState' | 'findConversation'>;

/**
 * Runs the routed bots for one dispatch and collects what they want to send. Nothing is sent
 * here: the replies, the bots' state and status changes are returned for the dispatcher to commit
 * in one transaction with the dispatch itself, so a crash never sends a reply twice.
 */
export class BotRuntime {
  constructor(
    private readonly store: Reads,
    readonly routes: BotRoute[],
    private readonly providers: Map<string, ProviderInfo>,
    private readonly log: Logger,
  ) {}

  async run(d: Dispatch): Promise<CompleteDispatch> {
    const done: CompleteDispatch = { dispatchId: d.id, outbound: [], state: [], conversationStatus: [] };
    const messageId = 'messageId' in d.event ? d.event.messageId : undefined;
    const message = messageId !== undefined ? await this.store.getMessage(messageId) : undefined;
    const conversation = d.conversationId !== null ? await this.store.getConversation(d.conversationId) : undefined;
    const participant =
      message && conversation && message.direction === 'inbound' ? await this.store.getParticipant(conversation.provider, message.author.id) : undefined;
    let status = conversation?.status;

    for (const route of this.routes) {
      const bot = route.bot;
      if (status === 'handoff' && !bot.duringHandoff) continue;
      if (route.providers && conversation && !route.providers.includes(conversation.provider)) continue;
      if (route.conversations && conversation && !route.conversations.includes(conversation.externalId) && !route.conversations.includes(String(conversation.id))) continue;
      const handlers = this.handlersFor(bot, d, message, conversation?.provider);
      if (handlers.length === 0) continue;

      const log = this.log.child({ bot: bot.name, conversationId: d.conversationId ?? undefined, deliveryId: d.deliveryId ?? undefined, dispatchId: d.id });
      const state = d.conversationId !== null ? (((await this.store.getBotState(d.conversationId, bot.name)) as Record<string, unknown>) ?? {}) : {};
      const before = JSON.stringify(state);
      const outbound: NewOutbound[] = [];
      let newStatus: Conversation['status'] | undefined;
      const ctx: Context = {
        bot: bot.name,
        event: d.event,
        conversation,
        message,
        participant,
        state,
        log,
        reply: async (m) => {
          if (!conversation) throw new Error('this event has no conversation to reply in; use ctx.send()');
          outbound.push(this.outbound(conversation.provider, { id: conversation.id }, m, message?.orderKey, bot.name));
        },
        send: async (to, m) => {
          const target = 'id' in to ? await this.store.getConversation(to.id) : await this.store.findConversation(to);
          const provider = target?.provider ?? (to as ConversationRef).provider;
          if (!provider) throw new Error(`no conversation ${JSON.stringify(to)}`);
          outbound.push(this.outbound(provider, target ? { id: target.id } : (to as ConversationRef), m, undefined, bot.name));
        },
        history: async (n = 20) => (conversation ? this.store.listMessages(conversation.id, { limit: n, last: true }) : []),
        setConversationStatus: (s) => {
          newStatus = s;
        },
      };
      try {
        await compose(bot.use ?? [], handlers)(ctx);
        done.outbound.push(...outbound);
        if (d.conversationId !== null && JSON.stringify(state) !== before) done.state!.push({ conversationId: d.conversationId, bot: bot.name, value: state });
        if (newStatus && conversation && newStatus !== status) {
          done.conversationStatus!.push({ conversationId: conversation.id, status: newStatus });
          status = newStatus;
        }
      } catch (err) {
        // One bot failing stops neither the other bots nor the conversation; its replies are dropped.
        log.error('bot failed', { err, receiveOnly: err instanceof ReceiveOnlyError });
      }
    }
    return done;
  }

  private handlersFor(bot: Bot, d: Dispatch, message: import('../model').Message | undefined, provider: string | undefined): Handler[] {
    switch (d.event.type) {
      case 'message': {
        if (!message) return [];
        const hs: Handler[] = [];
        const wantsOutbound = bot.filter?.outbound;
        if (message.direction === 'outbound' && !wantsOutbound) return [];
        if (bot.onMessage && matches(bot.filter, message, provider)) hs.push(bot.onMessage as Handler);
        for (const h of bot.on ?? []) if (matches(h.filter, message, provider)) hs.push(h.handler as Handler);
        return hs;
      }
      case 'status':
        return bot.onStatus ? [bot.onStatus as Handler] : [];
      case 'presence':
        return bot.onPresence ? [bot.onPresence as Handler] : [];
      case 'session':
        return bot.onSession ? [bot.onSession as Handler] : [];
    }
  }

  private outbound(provider: string, to: { id: number } | ConversationRef, m: Outgoing, afterOrderKey: number | undefined, botName: string): NewOutbound {
    const info = this.providers.get(provider);
    if (!info) throw new Error(`provider ${provider} is not enabled; cannot send there`);
    if (!info.reply) throw new ReceiveOnlyError(provider);
    const message: OutgoingMessage = typeof m === 'string' ? { text: m } : { ...m };
    if (message.text !== undefined && info.maxTextLength && message.text.length > info.maxTextLength) {
      message.text = message.text.slice(0, info.maxTextLength - 1) + '…';
    }
    if (!message.text && !message.media) throw new TypeError('a message needs text or media');
    return { conversation: to, message, afterOrderKey, authorName: botName, meta: { bot: botName } };
  }
}

/** Middleware chain then the handlers, koa/telegraf style: each middleware calls next() to go on. */
function compose(middleware: ((ctx: Context, next: () => Promise<void>) => unknown)[], handlers: Handler[]) {
  return async (ctx: Context) => {
    let index = -1;
    const step = async (i: number): Promise<void> => {
      if (i <= index) throw new Error('next() called twice');
      index = i;
      if (i < middleware.length) {
        await middleware[i]!(ctx, () => step(i + 1));
        return;
      }
      for (const h of handlers) await h(ctx);
    };
    await step(0);
  };
}

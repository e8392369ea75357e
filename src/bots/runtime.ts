import type { Logger } from 'winston';
import type { Config } from '../config/env';
import type { Conversation, ConversationRef, Message, OutgoingMessage, Participant } from '../model';
import { ReceiveOnlyError } from '../model/errors';
import type { CompleteDispatch, Dispatch, NewOutbound, PendingChoice, Store } from '../store/types';
import { actionOf, CHOICE_TTL_MS, checkButtons, matchChoice, numbered } from './actions';
import type { Action, Bot, Context, Outgoing, SendOptions, Target } from './define';
import { actionHandlers, compose, handlersFor } from './handlers';
import { botStorage } from './storage';
import { cutText } from './text';

/** What the runtime needs to know about providers (no provider folder is imported). */
export interface ProviderInfo {
  reply: boolean;
  /** Shows buttons under a message (Telegram); without, they go out numbered in the text. */
  buttons?: boolean;
  maxTextLength?: number;
  /** Why a provider that could reply cannot now (said in the ReceiveOnlyError). */
  whyNot?: string;
  /** Show "typing…" now; absent where the provider has no such thing (ctx.typing() is then a no-op). */
  typing?(conversation: Conversation, route?: Record<string, unknown>): Promise<void>;
}

/** Telegram shows a chat action for about 5 s: it is sent again this often while the handler runs. */
export const TYPING_REFRESH_MS = 4000;

/** Where replies from a receive-only provider go instead (config/bots.json `replyVia`). */
export interface ReplyVia extends ConversationRef {
  /** Prefix the text with where it came from, e.g. "[webinato: Sales demo] …" (default true). */
  label?: boolean;
}

export interface BotRoute {
  bot: Bot<any, any>;
  /** Restrict to these providers / conversations (config/bots.json); conversations match externalId or id. */
  providers?: string[];
  conversations?: string[];
  excludeConversations?: string[];
  /** The bot's options for this route, already validated by its schema. */
  options?: unknown;
  /** Replies on a receive-only provider go here: this route's own setting, then the per-provider default. */
  replyVia?: ReplyVia;
  replyViaByProvider?: Record<string, ReplyVia>;
}

type Reads = Pick<
  Store,
  | 'scene'
  | 'getConversation'
  | 'listMessages'
  | 'getBotState'
  | 'findConversation'
  | 'findMessage'
  | 'pendingChoices'
  | 'botStorageGet'
  | 'botStoragePut'
  | 'botStorageAdd'
>;

interface Scene {
  d: Dispatch;
  provider: string | undefined;
  conversation: Conversation | undefined;
  message: Message | undefined;
  participant: Participant | undefined;
}

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
    private readonly config: Config = {} as Config,
  ) {}

  async run(d: Dispatch): Promise<CompleteDispatch> {
    const done: CompleteDispatch = { dispatchId: d.id, outbound: [], state: [], conversationStatus: [], runs: [] };
    const runs = done.runs!;
    const messageId = 'messageId' in d.event ? d.event.messageId : undefined;
    const presence = d.event.type === 'presence' ? { provider: d.event.provider, participantExternalId: d.event.participantExternalId } : undefined;
    // One read for the message, its conversation and its author (three round trips on PostgreSQL).
    const { message, conversation, participant } = await this.store.scene({ messageId, conversationId: d.conversationId, presence });
    const provider = conversation?.provider ?? presence?.provider;
    const scene: Scene = { d, provider, conversation, message, participant };
    let status = conversation?.status;
    const pressed = d.event.type === 'message' ? actionOf(message) : undefined;
    const choices = pressed === undefined ? await this.openChoices(d, scene) : [];

    for (const route of this.routes) {
      const bot = route.bot;
      // Recorded for each route, so the console can say why a message got no answer.
      if (status === 'handoff' && !bot.duringHandoff) {
        runs.push({ bot: bot.name, outcome: 'skipped', reason: 'handoff' });
        continue;
      }
      if (!this.routed(route, provider, conversation)) {
        runs.push({ bot: bot.name, outcome: 'skipped', reason: 'not routed' });
        continue;
      }
      // A button press, or the answer to this bot's numbered question: its onAction handler only.
      const choice = choices.find((c) => c.bot === bot.name);
      const answered = choice && matchChoice(message?.text, choice.options);
      const action: Action | undefined =
        pressed !== undefined
          ? { name: pressed, message: message?.replyToExternalId ? await this.store.findMessage(provider!, message.replyToExternalId) : undefined }
          : answered
            ? { name: answered.action, message: (await this.store.scene({ messageId: choice.messageId })).message }
            : undefined;
      // A bot without onAction sees a press as before: an event message its filters may take.
      const handlers = (pressed !== undefined && bot.onAction) || answered ? actionHandlers(bot, action!) : handlersFor(bot, scene);
      if (handlers.length === 0) {
        runs.push({ bot: bot.name, outcome: 'skipped', reason: 'filter' });
        continue;
      }

      const log = this.log.child({ bot: bot.name, conversationId: d.conversationId ?? undefined, deliveryId: d.deliveryId ?? undefined, dispatchId: d.id });
      const state = d.conversationId !== null ? (((await this.store.getBotState(d.conversationId, bot.name)) as Record<string, unknown>) ?? {}) : {};
      const before = JSON.stringify(state);
      const outbound: NewOutbound[] = [];
      const statuses = new Map<number, Conversation['status']>();
      const typing = { timer: undefined as NodeJS.Timeout | undefined };
      const ctx = this.context(route, scene, state, log, outbound, statuses, action, typing);
      try {
        await compose(bot.use ?? [], handlers)(ctx);
        done.outbound.push(...outbound);
        runs.push({ bot: bot.name, outcome: 'ran', replies: outbound.length });
        // Answered once: a second "2" is an ordinary message again.
        if (answered && conversation) (done.choicesTaken ??= []).push({ conversationId: conversation.id, bot: bot.name });
        if (d.conversationId !== null && JSON.stringify(state) !== before) done.state!.push({ conversationId: d.conversationId, bot: bot.name, value: state });
        for (const [conversationId, s] of statuses) {
          done.conversationStatus!.push({ conversationId, status: s });
          if (conversationId === conversation?.id) status = s;
        }
      } catch (err) {
        // One bot failing stops neither the other bots nor the conversation; its replies are dropped.
        if (err instanceof ReceiveOnlyError) {
          // Not a bug in the bot: the provider cannot carry a reply. Say what to configure, without a stack.
          log.warn(`bot ${bot.name} could not reply: ${err.message}`, { receiveOnly: true, provider: err.provider, error: err.name });
          runs.push({ bot: bot.name, outcome: 'skipped', reason: 'cannot reply', error: err.message });
        } else {
          log.error('bot failed', { err });
          runs.push({ bot: bot.name, outcome: 'failed', error: String((err as Error)?.message ?? err) });
        }
      } finally {
        clearInterval(typing.timer);
      }
    }
    if (pressed !== undefined && conversation) this.acknowledge(done, conversation, message);
    return done;
  }

  /** The numbered questions still open where this inbound text may answer one (providers without buttons). */
  private async openChoices(d: Dispatch, { conversation, message }: Scene): Promise<PendingChoice[]> {
    if (!this.routes.some((r) => r.bot.onAction)) return [];
    if (d.event.type !== 'message' || !conversation || message?.direction !== 'inbound' || message.kind !== 'text') return [];
    if (!message.text || message.text.length > 64 || this.providers.get(conversation.provider)?.buttons) return [];
    const now = new Date().toISOString();
    return (await this.store.pendingChoices(conversation.id)).filter((c) => c.expiresAt > now);
  }

  /**
   * A press the provider wants acknowledged (Telegram's callback query, named in the event's
   * replyRoute): replies carry it there; with no reply, an acknowledgement alone goes out.
   */
  private acknowledge(done: CompleteDispatch, conversation: Conversation, message: Message | undefined): void {
    const route = message?.meta?.replyRoute as Record<string, unknown> | undefined;
    if (route?.callbackQueryId === undefined) return;
    if (done.outbound.some((o) => o.message.route?.callbackQueryId === route.callbackQueryId)) return;
    done.outbound.push({
      conversation: { id: conversation.id },
      provider: conversation.provider,
      message: { route },
      afterOrderKey: message?.orderKey,
      authorName: 'switchboard',
      meta: { acknowledges: message?.externalId },
    });
  }

  private routed(route: BotRoute, provider: string | undefined, conversation: Conversation | undefined): boolean {
    if (route.providers && (!provider || !route.providers.includes(provider))) return false;
    const named = (ids: string[]) => !!conversation && (ids.includes(conversation.externalId) || ids.includes(String(conversation.id)));
    if (route.conversations && !named(route.conversations)) return false;
    if (route.excludeConversations && named(route.excludeConversations)) return false;
    return true;
  }

  private context(
    route: BotRoute,
    { d, provider, conversation, message, participant }: Scene,
    state: Record<string, unknown>,
    log: Logger,
    outbound: NewOutbound[],
    statuses: Map<number, Conversation['status']>,
    action?: Action,
    typing: { timer: NodeJS.Timeout | undefined } = { timer: undefined },
  ): Context {
    const bot = route.bot.name;
    const via =
      conversation && !this.providers.get(conversation.provider)?.reply ? (route.replyVia ?? route.replyViaByProvider?.[conversation.provider]) : undefined;
    // Replies hand the send the conversation as read, not as the bot may change its object.
    const sendView = conversation && { ...conversation, address: JSON.parse(JSON.stringify(conversation.address)) as Conversation['address'] };
    return {
      bot,
      event: d.event,
      provider,
      conversation,
      message,
      participant,
      action,
      state,
      log,
      options: (route.options ?? {}) as Record<string, unknown>,
      config: this.config,
      storage: botStorage(this.store, bot),
      canReply: !!conversation && (!!this.providers.get(conversation.provider)?.reply || !!via),
      typing: async () => {
        const show = conversation && !via && conversation.address.blocked !== true ? this.providers.get(conversation.provider)?.typing : undefined;
        if (!show || typing.timer) return;
        const where = message?.meta?.replyRoute as Record<string, unknown> | undefined;
        // "typing…" is a courtesy: a refused one must not fail the bot.
        const once = () => show(conversation!, where).catch((err) => log.debug('typing indicator refused', { error: (err as Error).message }));
        typing.timer = setInterval(once, TYPING_REFRESH_MS);
        typing.timer.unref();
        await once();
      },
      reply: async (m, opts) => {
        if (!conversation) throw new Error('this event has no conversation to reply in; use ctx.send()');
        if (via) {
          const text = typeof m === 'string' ? m : m.text;
          const labelled =
            via.label === false || text === undefined ? text : `[${conversation.provider}: ${conversation.title ?? conversation.externalId}] ${text}`;
          const body = typeof m === 'string' ? { text: labelled } : { ...m, text: labelled };
          const meta = { ...opts?.meta, replyVia: { conversationId: conversation.id } };
          outbound.push(this.outbound(via.provider, { provider: via.provider, externalId: via.externalId }, body, undefined, bot, meta, opts));
          return;
        }
        const o = this.outbound(conversation.provider, { id: conversation.id }, m, message?.orderKey, bot, opts?.meta, opts);
        // A reply goes where the message answered came from (its forum topic, its business connection).
        const route = message?.meta?.replyRoute as Record<string, unknown> | undefined;
        if (route && !o.message.route) o.message.route = route;
        outbound.push({ ...o, conversationRead: sendView });
      },
      send: async (to, m, opts) => {
        const target = await this.find(to);
        const targetProvider = target?.provider ?? (to as ConversationRef).provider;
        if (!targetProvider) throw new Error(`no conversation ${JSON.stringify(to)}`);
        outbound.push(this.outbound(targetProvider, target ? { id: target.id } : (to as ConversationRef), m, undefined, bot, opts?.meta, opts));
      },
      history: async (n = 20) => (conversation ? this.store.listMessages(conversation.id, { limit: n, last: true }) : []),
      lookup: (p, externalId) => this.store.findMessage(p, externalId),
      getConversation: (to) => this.find(to),
      setConversationStatus: (s, target) => {
        const id = target?.id ?? conversation?.id;
        if (id === undefined) throw new Error('this event has no conversation; pass the one to change');
        statuses.set(id, s);
      },
    };
  }

  private find(to: Target): Promise<Conversation | undefined> {
    return 'id' in to ? this.store.getConversation(to.id) : this.store.findConversation(to);
  }

  private outbound(
    provider: string,
    to: { id: number } | ConversationRef,
    m: Outgoing,
    afterOrderKey: number | undefined,
    botName: string,
    meta?: Record<string, unknown>,
    opts?: SendOptions,
  ): NewOutbound {
    const info = this.providers.get(provider);
    if (!info) throw new Error(`provider ${provider} is not enabled; cannot send there`);
    if (!info.reply) throw new ReceiveOnlyError(provider, info.whyNot);
    const message: OutgoingMessage = typeof m === 'string' ? { text: m } : { ...m };
    const rows = opts?.buttons ?? message.buttons;
    delete message.buttons;
    let choice: NewOutbound['choice'];
    if (rows && rows.length > 0) {
      const options = checkButtons(rows);
      if (info.buttons) message.buttons = rows;
      else {
        message.text = numbered(message.text, options);
        choice = { bot: botName, options, expiresAt: new Date(Date.now() + CHOICE_TTL_MS).toISOString() };
      }
    }
    if (message.text !== undefined && info.maxTextLength) message.text = cutText(message.text, info.maxTextLength);
    if (!message.text && !message.media) throw new TypeError('a message needs text or media');
    return { conversation: to, provider, message, afterOrderKey, authorName: botName, meta: { ...meta, bot: botName }, ...(choice ? { choice } : {}) };
  }
}

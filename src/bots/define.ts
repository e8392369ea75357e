import type { Logger } from 'winston';
import type { Conversation, ConversationRef, Message, MessageKind, OutgoingMessage, Participant } from '../model';
import type { DispatchEvent } from '../store/types';

/**
 * What a bot author writes: `export default defineBot({ name, onMessage(ctx) { … } })`.
 * A bot sees only this Context, never Express or a provider payload.
 */

export type Outgoing = string | OutgoingMessage;

export interface Context<S extends Record<string, unknown> = Record<string, unknown>> {
  /** The bot running. */
  readonly bot: string;
  /** What happened: a message, a status change, a presence change or a session event. */
  readonly event: DispatchEvent;
  readonly conversation: Conversation | undefined;
  /** The message (for status and session events: the message or event row it concerns). */
  readonly message: Message | undefined;
  /** The author of the message, when known. */
  readonly participant: Participant | undefined;
  /** Reply in this conversation, through its provider. Throws ReceiveOnlyError on receive-only providers. */
  reply(message: Outgoing): Promise<void>;
  /** Send to any conversation, on any provider (e.g. a Telegram operator chat). */
  send(to: ConversationRef | { id: number }, message: Outgoing): Promise<void>;
  /** The last n messages of this conversation, oldest first (includes the current one). */
  history(n?: number): Promise<Message[]>;
  /** Per conversation and bot; persisted with the replies when the handler returns. */
  state: S;
  /** Hand the conversation to humans (other bots fall silent) or back. */
  setConversationStatus(status: Conversation['status']): void;
  /** A winston child logger carrying the bot, conversation and delivery ids. */
  log: Logger;
}

export type Handler<S extends Record<string, unknown> = Record<string, unknown>> = (ctx: Context<S>) => unknown | Promise<unknown>;
export type Middleware<S extends Record<string, unknown> = Record<string, unknown>> = (ctx: Context<S>, next: () => Promise<void>) => unknown | Promise<unknown>;

export interface MessageFilter {
  provider?: string | string[];
  kind?: MessageKind | MessageKind[];
  /** Matched against the message text. */
  text?: RegExp | string;
  /** Also handle outbound messages (normally only inbound ones reach bots). */
  outbound?: boolean;
}

export interface BotDefinition<S extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  description?: string;
  /** Runs before every handler, telegraf/grammY style. */
  use?: Middleware<S>[];
  /** Filter applied before onMessage. */
  filter?: MessageFilter;
  onMessage?: Handler<S>;
  /** Extra message handlers with their own filters, tried in order; all that match run. */
  on?: { filter: MessageFilter; handler: Handler<S> }[];
  onStatus?: Handler<S>;
  onPresence?: Handler<S>;
  onSession?: Handler<S>;
  /** Keep running while a conversation is handed off to humans (the handoff bot itself). */
  duringHandoff?: boolean;
  /** Called once at start-up with the bot's options from config/ (if any). */
  setup?(env: BotEnvironment): void | Promise<void>;
}

export interface BotEnvironment {
  options: Record<string, unknown>;
  log: Logger;
  env: Record<string, string | undefined>;
}

export const BOT_MARK = Symbol.for('switchboard.bot');

export type Bot<S extends Record<string, unknown> = Record<string, unknown>> = BotDefinition<S> & { [BOT_MARK]: true };

export function defineBot<S extends Record<string, unknown> = Record<string, unknown>>(def: BotDefinition<S>): Bot<S> {
  if (!def || typeof def.name !== 'string' || !/^[a-z0-9][a-z0-9_-]*$/i.test(def.name)) {
    throw new TypeError('defineBot: `name` must be a word such as "echo" or "faq-bot"');
  }
  return Object.assign({}, def, { [BOT_MARK]: true as const });
}

export function isBot(v: unknown): v is Bot {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[BOT_MARK] === true;
}

export function matches(filter: MessageFilter | undefined, message: Message | undefined, provider: string | undefined): boolean {
  if (!filter) return true;
  if (!message) return false;
  const list = <T>(v: T | T[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
  const providers = list(filter.provider);
  if (providers && (!provider || !providers.includes(provider))) return false;
  const kinds = list(filter.kind);
  if (kinds && !kinds.includes(message.kind)) return false;
  if (filter.text !== undefined) {
    const text = message.text ?? '';
    if (typeof filter.text === 'string' ? !text.toLowerCase().includes(filter.text.toLowerCase()) : !filter.text.test(text)) return false;
  }
  return true;
}

import { Writable } from 'node:stream';
import { prepareRoutes, type RouteSpec } from '../bots/config';
import type { Bot } from '../bots/define';
import type { ReplyVia } from '../bots/runtime';
import { loadConfig } from '../config/env';
import { createLogger } from '../base/log';
import type { NormalizedEvent, Button, Conversation, Media, Message, MessageKind, MessageStatus, Presence, Role } from '../model';
import type { ProviderAdapter, ProviderRuntime } from '../providers/types';
import { createSwitchboard, type Switchboard } from '../app/switchboard';
import type { Store } from '../store/types';
import { Events, type KitProvider, PROVIDER_DEFAULTS, type Sent, standIn } from './stand-ins';

export { PROVIDER_DEFAULTS } from './stand-ins';
export type { KitProvider, Sent } from './stand-ins';

/**
 * The test kit for bot authors: `import { createTestKit } from 'switchboard/testing'`. It runs the
 * real pipeline (in-memory SQLite store, processor, dispatcher, bot runtime, outbox) with stand-in
 * providers that take conversation-model messages instead of webhooks and record what the bots
 * send instead of calling an API. No network.
 */

export interface TestKitOptions {
  /** Bots to run, in order, everywhere (like BOTS=a,b). */
  bots?: Bot<any, any>[];
  /** Or routes, as in config/bots.json but with bot objects. */
  routes?: RouteSpec[];
  /** Per receive-only provider: where replies go (config/bots.json `replyVia`). */
  replyVia?: Record<string, ReplyVia>;
  /** Provider capabilities, merged over PROVIDER_DEFAULTS. */
  providers?: Record<string, KitProvider>;
  /** Environment variables the bots read through ctx.config (OPENAI_BASE_URL, TELEGRAM_OPERATOR_CHAT_ID…). */
  env?: Record<string, string | undefined>;
  /** How long kit.receive() waits for slow bots before failing (default 30 s). */
  timeoutMs?: number;
}

export type From = string | { id: string; name?: string; role?: Role };

export interface Inbound {
  provider: string;
  /** The conversation's provider id (WAMM `account:phone`, a Telegram chat id, a Webinato room…). */
  conversation: string;
  text?: string;
  kind?: MessageKind;
  media?: Media;
  /** The author: an id, or id + name + role (default: { id: 'user', name: 'User', role: 'user' }). */
  from?: From;
  /** Conversation title (chat name, room name). */
  title?: string;
  /** The message this one answers: something the bots sent (from kit.sent) or a provider message id. */
  replyTo?: Sent | string;
  /** The message's provider id (default: generated). */
  id?: string;
}

export interface LogEntry {
  level: string;
  message: string;
  [key: string]: unknown;
}

export interface TestKit {
  /** Everything the bots sent so far, in the order they asked. */
  readonly sent: Sent[];
  /** Log lines (bot failures carry `bot`, `deliveryId` and `err`). */
  readonly logs: LogEntry[];
  readonly store: Store;
  /** Deliver one inbound message and wait until every bot ran and every reply went out; returns what was sent. */
  receive(message: Inbound): Promise<Sent[]>;
  /**
   * Press a button the bots sent (the last one with this action, or the one in `on`): a button
   * press where the provider shows buttons, else the customer's numbered answer ("2").
   */
  press(action: string, opts?: { from?: From; on?: Sent }): Promise<Sent[]>;
  /** Button presses acknowledged to the provider (Telegram's answerCallbackQuery), by press id. */
  readonly acknowledged: string[];
  /** Each "typing…" shown (ctx.typing(), and its refreshes while the handler ran). */
  readonly typing: { provider: string; conversation: string }[];
  /** A delivery status for something a bot sent (or a provider message id). */
  status(provider: string, message: Sent | string, status: MessageStatus): Promise<Sent[]>;
  presence(provider: string, from: From, presence: Presence): Promise<Sent[]>;
  session(provider: string, conversation: string, name: string, data?: Record<string, unknown>): Promise<Sent[]>;
  /** Deliver any conversation-model events as one delivery. */
  deliver(provider: string, events: NormalizedEvent[]): Promise<Sent[]>;
  conversation(provider: string, conversation: string): Promise<Conversation | undefined>;
  messages(provider: string, conversation: string): Promise<Message[]>;
  state(bot: string, provider: string, conversation: string): Promise<unknown>;
  /** The provider id the stand-in provider gave a sent message. */
  externalIdOf(sent: Sent): string;
  close(): Promise<void>;
}

export async function createTestKit(opts: TestKitOptions): Promise<TestKit> {
  const providers = { ...PROVIDER_DEFAULTS, ...opts.providers };
  const sent: Sent[] = [];
  const ids = new WeakMap<Sent, string>();
  const logs: LogEntry[] = [];
  const acknowledged: string[] = [];
  const typing: TestKit['typing'] = [];
  const ingestOf = new Map<string, ProviderRuntime['ingest']>();
  let seq = 0;

  const adapters: ProviderAdapter[] = Object.entries(providers).map(([name, p]) =>
    standIn(name, p, { sent, ids, acknowledged, typing, ingestOf, outSeq: { n: 1_000_000 } }),
  );

  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogEntry);
      done();
    },
  });
  const config = loadConfig({ DATA_DIR: ':memory:', BOTS: '', LOG_LEVEL: 'info', ...opts.env });
  const log = createLogger({ level: config.LOG_LEVEL, secrets: [], stream });
  const specs = opts.routes ?? (opts.bots ?? []).map((bot) => ({ bot }));
  if (specs.length === 0) throw new TypeError('createTestKit: give `bots` or `routes`');
  const routes = await prepareRoutes(specs, config, log, { replyVia: opts.replyVia });
  const sb: Switchboard = await createSwitchboard(config, { log, providers: adapters, routes });
  await sb.idle(); // starts the background work, which hands each stand-in provider its ingest

  /** Until every delivery is processed, every bot has run and every reply is sent, however slow the bots. */
  const settle = async () => {
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    for (;;) {
      await sb.idle();
      const busy =
        (await sb.store.pendingDeliveries(1, 0)).length > 0 ||
        (await sb.store.pendingPartitions(1)).length > 0 ||
        (await sb.store.health()).some((h) => h.outboxPending > 0);
      if (!busy) return;
      if (Date.now() > deadline) throw new Error(`the bots were still busy after ${opts.timeoutMs ?? 30_000} ms (createTestKit timeoutMs)`);
    }
  };
  const externalIdOf = (s: Sent) => {
    const id = ids.get(s);
    if (!id) throw new TypeError('not a message from kit.sent');
    return id;
  };
  const author = (from: From | undefined) => {
    const f = typeof from === 'string' ? { id: from } : (from ?? { id: 'user', name: 'User' });
    return { externalId: f.id, name: f.name ?? f.id, role: f.role ?? 'user' };
  };
  const deliver = async (provider: string, events: NormalizedEvent[]) => {
    const ingest = ingestOf.get(provider);
    if (!ingest) throw new TypeError(`no provider "${provider}" in the test kit (have: ${[...ingestOf.keys()].join(', ')})`);
    const before = sent.length;
    await ingest([{ key: `kit:${++seq}`, payload: Events.parse(events) }]);
    await settle();
    // The outbox sends to different conversations in parallel; list them in the order the bots asked.
    const fresh = sent.splice(before);
    const order = new Map<Sent, number>();
    for (const s of fresh) order.set(s, (await sb.store.findMessage(s.provider, externalIdOf(s)))?.id ?? 0);
    sent.push(...fresh.sort((a, b) => order.get(a)! - order.get(b)!));
    return sent.slice(before);
  };
  const at = () => new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString();

  const receive: TestKit['receive'] = (m) => {
    const n = seq + 1;
    return deliver(m.provider, [
      {
        type: 'message',
        conversation: { provider: m.provider, externalId: m.conversation, title: m.title },
        externalId: m.id ?? `${m.conversation}:${n}`,
        direction: 'inbound',
        author: author(m.from),
        kind: m.kind ?? (m.text === undefined && m.media ? 'file' : 'text'),
        text: m.text,
        media: m.media,
        sentAt: at(),
        status: 'received',
        replyToExternalId: m.replyTo === undefined ? undefined : typeof m.replyTo === 'string' ? m.replyTo : externalIdOf(m.replyTo),
        orderKey: n,
        dispatch: true,
      },
    ]);
  };
  /** A sent message's buttons: shown (Telegram), or the open numbered question it asked (kept in the store). */
  const optionsOf = async (s: Sent): Promise<{ options: Button[]; shown: boolean }> => {
    if (s.buttons) return { options: s.buttons.flat(), shown: true };
    const row = await sb.store.findMessage(s.provider, externalIdOf(s));
    const choice = row && (await sb.store.pendingChoices(row.conversationId)).find((c) => c.messageId === row.id);
    return { options: choice?.options ?? [], shown: false };
  };
  const press: TestKit['press'] = async (action, o = {}) => {
    let on: { s: Sent; options: Button[]; shown: boolean } | undefined;
    for (const s of o.on ? [o.on] : [...sent].reverse()) {
      const found = await optionsOf(s);
      if (found.options.some((b) => b.action === action)) {
        on = { s, ...found };
        break;
      }
    }
    if (!on) throw new TypeError(`kit.press: no message the bots sent has an open button "${action}"`);
    if (!on.shown) {
      // No buttons on this provider: the customer answers with the option's number.
      const index = on.options.findIndex((b) => b.action === action);
      return receive({ provider: on.s.provider, conversation: on.s.conversation, text: String(index + 1), from: o.from });
    }
    const n = seq + 1;
    const id = `press:${n}`;
    return deliver(on.s.provider, [
      {
        type: 'message',
        conversation: { provider: on.s.provider, externalId: on.s.conversation },
        externalId: id,
        direction: 'inbound',
        author: author(o.from),
        kind: 'event',
        text: action,
        sentAt: at(),
        status: 'received',
        replyToExternalId: externalIdOf(on.s),
        orderKey: n,
        dispatch: true,
        meta: { action, replyRoute: { callbackQueryId: id } },
      },
    ]);
  };

  return {
    sent,
    logs,
    acknowledged,
    typing,
    press,
    store: sb.store,
    deliver,
    externalIdOf,
    receive,
    status(provider, message, status) {
      const id = typeof message === 'string' ? message : externalIdOf(message);
      return deliver(provider, [{ type: 'status', provider, messageExternalId: id, status, at: at(), externalId: `${id}:${status}:${seq + 1}` }]);
    },
    presence(provider, from, presence) {
      return deliver(provider, [{ type: 'presence', provider, participant: author(from), presence, at: at(), externalId: `presence:${seq + 1}` }]);
    },
    session(provider, conversation, name, data) {
      return deliver(provider, [
        { type: 'session', conversation: { provider, externalId: conversation }, name, at: at(), externalId: `session:${seq + 1}`, orderKey: seq + 1, data },
      ]);
    },
    conversation: (provider, conversation) => sb.store.findConversation({ provider, externalId: conversation }),
    async messages(provider, conversation) {
      const c = await sb.store.findConversation({ provider, externalId: conversation });
      return c ? sb.store.listMessages(c.id) : [];
    },
    async state(bot, provider, conversation) {
      const c = await sb.store.findConversation({ provider, externalId: conversation });
      return c ? sb.store.getBotState(c.id, bot) : undefined;
    },
    close: () => sb.stop(),
  };
}

export type { RouteSpec } from '../bots/config';
export type { ReplyVia } from '../bots/runtime';

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeLocal, listenLocal } from './listen';

/**
 * A fake Telegram Bot API on 127.0.0.1 that behaves like the docs (PROVIDERS.md §6):
 * `/bot<token>/<method>` with JSON, form or query parameters; `{ok: true, result}` on success and
 * `{ok: false, error_code, description, parameters?}` with the same HTTP status on failure (429 carries
 * parameters.retry_after); getUpdates with offset confirmation, long-poll timeout, 409 while a
 * webhook is set, and 409 for an older long poll when a newer one arrives.
 *
 * Point Switchboard at it with TELEGRAM_API_ROOT = fake.url.
 */

export interface FakeUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
}
export interface FakeChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  first_name?: string;
  last_name?: string;
  username?: string;
}
export type FakeUpdate = { update_id: number } & Record<string, unknown>;

export interface FakeSent {
  method: string;
  chat_id: string;
  message_id: number;
  text?: string;
  caption?: string;
  photo?: string;
  document?: string;
  reply_to_message_id?: number;
  params: Record<string, unknown>;
}

/**
 * A canned failure for the next matching call: a Bot API error body, a bare HTTP status (5xx, with a
 * proxy's HTML page or the given body), or an answer held back for `delayMs` (a stalled Bot API).
 */
export type FakeFailure =
  | { error_code: number; description?: string; retry_after?: number; migrate_to_chat_id?: number; method?: string }
  | { status: number; body?: string; method?: string }
  | { delayMs: number; method?: string };

const SEND_METHODS = new Set(['sendMessage', 'sendPhoto', 'sendDocument']);

export class FakeTelegram {
  readonly bot: FakeUser;
  /** Every successful send*, in order. */
  readonly sent: FakeSent[] = [];
  /** Every call: method, parsed parameters and arrival time (the token is checked, not recorded). */
  readonly calls: { method: string; params: Record<string, unknown>; at: number; contentType: string }[] = [];
  /** TCP connections accepted so far (a client that keeps connections alive opens few). */
  connections = 0;
  /** Failures served to the next matching calls (send* methods unless `method` is given). */
  failNext: FakeFailure[] = [];
  /** Chats that answer 400 "chat not found" / 403 "bot was blocked by the user". */
  readonly missingChats = new Set<string>();
  readonly blockedChats = new Set<string>();
  webhook: { url: string; secret_token?: string; allowed_updates?: string[] } | undefined;
  /** answerCallbackQuery calls, in order: the query id and when it came. */
  readonly answeredQueries: { id: string; at: number }[] = [];
  /** sendChatAction calls ("typing…"), in order. */
  readonly chatActions: { chat_id: string; action: string; params: Record<string, unknown>; at: number }[] = [];
  /** Query ids answered 400 "query is too old" (Telegram allows a few seconds). */
  readonly expiredQueries = new Set<string>();
  /** What getWebhookInfo reports as the last delivery error (Telegram's last_error_message). */
  webhookError: string | undefined;
  /** Updates not yet confirmed by a getUpdates offset (Telegram keeps them up to 24 h). */
  pending: FakeUpdate[] = [];
  /** The highest offset a getUpdates call has confirmed. */
  confirmedOffset = 0;
  url = '';

  private nextUpdateId = 700_000_001;
  private readonly nextMessageId = new Map<string, number>();
  private waiter: { res: ServerResponse; timer: NodeJS.Timeout; params: Record<string, unknown> } | undefined;
  private server?: Server;

  constructor(readonly token = '123456789:TEST-fake-bot-token_abc') {
    this.bot = { id: Number(token.split(':')[0]), is_bot: true, first_name: 'Switchboard', username: 'switchboard_test_bot' };
  }

  /** The environment that points Switchboard at this fake (webhook mode when a secret is given). */
  env(webhookSecret?: string): Record<string, string> {
    return { TELEGRAM_BOT_TOKEN: this.token, TELEGRAM_API_ROOT: this.url, ...(webhookSecret ? { TELEGRAM_WEBHOOK_SECRET: webhookSecret } : {}) };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', () => this.connections++);
    this.url = await listenLocal(this.server);
    return this;
  }

  async stop(): Promise<void> {
    if (this.waiter) clearTimeout(this.waiter.timer);
    await closeLocal(this.server);
  }

  /** Queue an update for getUpdates (fills in update_id when missing) and wake a waiting long poll. */
  enqueue(update: Omit<FakeUpdate, 'update_id'> & { update_id?: number }): FakeUpdate {
    const u = { ...update, update_id: update.update_id ?? this.nextUpdateId++ } as FakeUpdate;
    this.nextUpdateId = Math.max(this.nextUpdateId, u.update_id + 1);
    this.pending.push(u);
    this.pending.sort((a, b) => a.update_id - b.update_id);
    if (this.waiter) {
      const { res, timer, params } = this.waiter;
      this.waiter = undefined;
      clearTimeout(timer);
      this.ok(res, this.available(params));
    }
    return u;
  }

  /** Build (not queue) a message update from a user in a chat, with fresh update_id and message_id. */
  messageUpdate(opts: {
    chat: FakeChat;
    from?: FakeUser;
    text?: string;
    replyTo?: number;
    kind?: 'message' | 'edited_message' | 'channel_post';
    extra?: Record<string, unknown>;
  }): FakeUpdate {
    const chatKey = String(opts.chat.id);
    const message_id = this.takeMessageId(chatKey);
    const message: Record<string, unknown> = {
      message_id,
      date: Math.floor(Date.now() / 1000),
      chat: opts.chat,
      ...(opts.from
        ? { from: opts.from }
        : opts.chat.type === 'channel'
          ? {}
          : { from: { id: opts.chat.id, is_bot: false, first_name: opts.chat.first_name ?? 'User' } }),
      ...(opts.text !== undefined ? { text: opts.text } : {}),
      ...(opts.replyTo !== undefined ? { reply_to_message: { message_id: opts.replyTo, date: Math.floor(Date.now() / 1000), chat: opts.chat } } : {}),
      ...opts.extra,
    };
    return { update_id: this.nextUpdateId++, [opts.kind ?? 'message']: message };
  }

  /** The first message_id the fake gives in a chat (above real captures' ids, so they never collide). */
  firstMessageId = 1;

  private takeMessageId(chat: string): number {
    const id = this.nextMessageId.get(chat) ?? this.firstMessageId;
    this.nextMessageId.set(chat, id + 1);
    return id;
  }

  private available(params: Record<string, unknown>): FakeUpdate[] {
    const limit = Math.min(100, Math.max(1, Number(params.limit ?? 100)));
    return this.pending.slice(0, limit);
  }

  /** A string body goes out as it is (a proxy's page); anything else as JSON. */
  private reply(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  }
  private ok(res: ServerResponse, result: unknown) {
    this.reply(res, 200, { ok: true, result });
  }
  private fail(res: ServerResponse, error_code: number, description: string, parameters?: Record<string, unknown>) {
    this.reply(res, error_code, { ok: false, error_code, description, ...(parameters ? { parameters } : {}) });
  }

  private async params(req: IncomingMessage, query: URLSearchParams): Promise<Record<string, unknown> | undefined> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const out: Record<string, unknown> = Object.fromEntries(query);
    if (!text) return out;
    const type = String(req.headers['content-type'] ?? '');
    if (type.includes('json')) {
      try {
        return { ...out, ...(JSON.parse(text) as Record<string, unknown>) };
      } catch {
        return undefined;
      }
    }
    const boundary = /multipart\/form-data;.*boundary=("?)([^";]+)\1/.exec(type)?.[2];
    if (boundary) return { ...out, ...multipartFields(text, boundary) };
    for (const [k, v] of new URLSearchParams(text)) out[k] = v;
    return out;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(u.pathname);
    if (!m) return this.fail(res, 404, 'Not Found');
    const params = await this.params(req, u.searchParams);
    if (m[1] !== this.token) return this.fail(res, 401, 'Unauthorized');
    if (!params) return this.fail(res, 400, "Bad Request: can't parse JSON object");
    const method = m[2]!;
    this.calls.push({ method, params, at: Date.now(), contentType: String(req.headers['content-type'] ?? '') });

    const i = this.failNext.findIndex((f) => (f.method ? f.method === method : SEND_METHODS.has(method)));
    if (i >= 0) {
      const f = this.failNext.splice(i, 1)[0]!;
      if ('delayMs' in f) {
        const timer = setTimeout(() => this.ok(res, true), f.delayMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      if ('status' in f) return this.reply(res, f.status, f.body ?? `<html><body>${f.status} Bad Gateway</body></html>`);
      const desc = f.description ?? (f.error_code === 429 ? `Too Many Requests: retry after ${f.retry_after ?? 5}` : 'Bad Request');
      const parameters =
        f.error_code === 429
          ? { retry_after: f.retry_after ?? 5 }
          : f.migrate_to_chat_id !== undefined
            ? { migrate_to_chat_id: f.migrate_to_chat_id }
            : undefined;
      return this.fail(res, f.error_code, desc, parameters);
    }

    switch (method) {
      case 'getMe':
        return this.ok(res, { ...this.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });
      case 'setWebhook': {
        const url = String(params.url ?? '');
        if (url === '') {
          this.webhook = undefined;
          return this.ok(res, true);
        }
        if (!/^https:\/\//.test(url)) return this.fail(res, 400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
        const allowed = typeof params.allowed_updates === 'string' ? JSON.parse(params.allowed_updates) : params.allowed_updates;
        this.webhook = { url, secret_token: params.secret_token as string | undefined, allowed_updates: allowed as string[] | undefined };
        if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') this.pending = [];
        return this.ok(res, true);
      }
      case 'deleteWebhook':
        this.webhook = undefined;
        if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') this.pending = [];
        return this.ok(res, true);
      case 'getWebhookInfo':
        return this.ok(res, {
          url: this.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: this.pending.length,
          allowed_updates: this.webhook?.allowed_updates,
          ...(this.webhookError ? { last_error_date: Math.floor(Date.now() / 1000), last_error_message: this.webhookError } : {}),
        });
      case 'getUpdates':
        return this.getUpdates(res, params);
      case 'sendChatAction': {
        const chat = String(params.chat_id ?? '');
        if (!chat || !params.action) return this.fail(res, 400, 'Bad Request: chat_id and action are required');
        if (this.blockedChats.has(chat)) return this.fail(res, 403, 'Forbidden: bot was blocked by the user');
        this.chatActions.push({ chat_id: chat, action: String(params.action), params, at: Date.now() });
        return this.ok(res, true);
      }
      case 'answerCallbackQuery': {
        const id = String(params.callback_query_id ?? '');
        if (!id || this.expiredQueries.has(id)) return this.fail(res, 400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        this.answeredQueries.push({ id, at: Date.now() });
        return this.ok(res, true);
      }
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument':
        return this.send(res, method, params);
      default:
        return this.fail(res, 404, 'Not Found: method not found');
    }
  }

  private getUpdates(res: ServerResponse, params: Record<string, unknown>) {
    if (this.webhook)
      return this.fail(res, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    if (this.waiter) {
      const old = this.waiter;
      this.waiter = undefined;
      clearTimeout(old.timer);
      this.fail(old.res, 409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    }
    const offset = Number(params.offset ?? 0);
    if (offset > 0) {
      this.pending = this.pending.filter((p) => p.update_id >= offset);
      this.confirmedOffset = Math.max(this.confirmedOffset, offset);
    } else if (offset < 0) {
      this.pending = this.pending.slice(offset);
    }
    const ready = this.available(params);
    const timeout = Number(params.timeout ?? 0);
    if (ready.length > 0 || timeout <= 0) return this.ok(res, ready);
    const timer = setTimeout(() => {
      if (this.waiter?.res !== res) return;
      this.waiter = undefined;
      this.ok(res, []);
    }, timeout * 1000);
    timer.unref();
    this.waiter = { res, timer, params };
    res.on('close', () => {
      if (this.waiter?.res === res) {
        clearTimeout(timer);
        this.waiter = undefined;
      }
    });
  }

  private send(res: ServerResponse, method: string, params: Record<string, unknown>) {
    const chat = String(params.chat_id ?? '');
    if (!chat) return this.fail(res, 400, 'Bad Request: chat_id is empty');
    if (this.missingChats.has(chat)) return this.fail(res, 400, 'Bad Request: chat not found');
    if (this.blockedChats.has(chat)) return this.fail(res, 403, 'Forbidden: bot was blocked by the user');
    const text = params.text as string | undefined;
    const caption = params.caption as string | undefined;
    if (method === 'sendMessage') {
      if (!text) return this.fail(res, 400, 'Bad Request: message text is empty');
      if ([...text].length > 4096) return this.fail(res, 400, 'Bad Request: message is too long');
    } else {
      const file = params[method === 'sendPhoto' ? 'photo' : 'document'];
      if (!file) return this.fail(res, 400, 'Bad Request: there is no file in the request');
      if (caption && [...caption].length > 1024) return this.fail(res, 400, 'Bad Request: message caption is too long');
    }
    const rp = (typeof params.reply_parameters === 'string' ? JSON.parse(params.reply_parameters) : params.reply_parameters) as
      | { message_id?: number }
      | undefined;
    const replyTo = rp?.message_id ?? (params.reply_to_message_id !== undefined ? Number(params.reply_to_message_id) : undefined);
    const message_id = this.takeMessageId(chat);
    this.sent.push({
      method,
      chat_id: chat,
      message_id,
      text,
      caption,
      photo: params.photo as string | undefined,
      document: params.document as string | undefined,
      reply_to_message_id: replyTo,
      params,
    });
    const chatId = Number(chat);
    const result: Record<string, unknown> = {
      message_id,
      date: Math.floor(Date.now() / 1000),
      from: this.bot,
      chat: { id: Number.isFinite(chatId) ? chatId : 0, type: chatId < 0 ? 'supergroup' : 'private' },
      ...(text ? { text } : {}),
      ...(caption ? { caption } : {}),
      ...(method === 'sendPhoto' ? { photo: [{ file_id: `photo-${message_id}`, file_unique_id: `p${message_id}`, width: 90, height: 90 }] } : {}),
      ...(method === 'sendDocument' ? { document: { file_id: `doc-${message_id}`, file_unique_id: `d${message_id}` } } : {}),
    };
    if (replyTo !== undefined) result.reply_to_message = { message_id: replyTo, date: result.date, chat: result.chat };
    return this.ok(res, result);
  }
}

/** The fields of a multipart/form-data body (an upload): text values as strings, files as `{filename, size}`. */
function multipartFields(body: string, boundary: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of body.split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const value = part.slice(split + 4).replace(/\r\n$/, '');
    const name = /name="([^"]+)"/.exec(head)?.[1];
    if (!name) continue;
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    out[name] = filename !== undefined ? { filename, size: Buffer.byteLength(value) } : value;
  }
  return out;
}

import { requestJson } from '../http-client';

/**
 * The MQTT CHAT REST API (PROVIDERS.md §3, medaboub/mqtt-chat-php-sdk): HTTP Basic APP_ID:APP_SECRET,
 * JSON answers carrying `ok` (true, or the string "true" as the Android demo reads it) and the data,
 * or `error`. Only what catch-up needs is here; MQTT CHAT has no server-side send API.
 */

export class MqttChatApiError extends Error {
  override name = 'MqttChatApiError';
}

/** A message callback body: the one shape both the webhook and catch-up store. */
export interface MessageCallbackBody {
  from_userid: unknown;
  to_userid: unknown;
  message: Record<string, unknown>;
}

export class MqttChatClient {
  private readonly auth: string;

  constructor(
    private readonly baseUrl: string,
    appId: string,
    appSecret: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.auth = `Basic ${Buffer.from(`${appId}:${appSecret}`).toString('base64')}`;
  }

  private async get(path: string, what: string): Promise<unknown> {
    const { body } = await requestJson(`${this.baseUrl}${path}`, {
      method: 'GET',
      headers: { authorization: this.auth, accept: 'application/json', 'content-type': 'application/json' },
      what,
      timeoutMs: this.timeoutMs,
    });
    if (typeof body !== 'object' || body === null) throw new MqttChatApiError(`${what}: unexpected answer ${String(body).slice(0, 100)}`);
    const b = body as Record<string, unknown>;
    if (b.ok === true || b.ok === 'true') return b.response ?? b.data ?? b.messages;
    const nested = b.response as Record<string, unknown> | undefined;
    throw new MqttChatApiError(`${what}: ${String(b.error ?? nested?.error ?? 'answer without ok')}`);
  }

  /**
   * GET /users/{id}/messages?limit=&before_messageid=: the user's messages (sent and received),
   * newest first, paging backwards. The item fields are undocumented; they are read as the
   * callback's message fields, flat or nested under `message`. [GUESS]
   */
  async userMessages(userId: string, opts: { limit: number; beforeMessageId?: number }): Promise<MessageCallbackBody[]> {
    const q = new URLSearchParams({ limit: String(opts.limit) });
    if (opts.beforeMessageId && opts.beforeMessageId > 0) q.set('before_messageid', String(opts.beforeMessageId));
    const data = await this.get(`/users/${encodeURIComponent(userId)}/messages?${q}`, 'MQTT CHAT GET /users/{id}/messages');
    const list = Array.isArray(data) ? data : Array.isArray((data as { messages?: unknown })?.messages) ? (data as { messages: unknown[] }).messages : [];
    return list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null).map(asCallback);
  }
}

function asCallback(item: Record<string, unknown>): MessageCallbackBody {
  const { from_userid, to_userid, message, ...rest } = item;
  if (typeof message === 'object' && message !== null) return { from_userid, to_userid, message: message as Record<string, unknown> };
  return { from_userid, to_userid, message: { ...rest, message } };
}

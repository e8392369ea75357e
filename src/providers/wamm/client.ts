import type { Logger } from 'winston';
import type { Conversation, OutgoingMessage } from '../../model';
import type { InterruptedSend } from '../../model/send-attempt';
import { requestJson } from '../http-client';
import type { ProviderClient, SendResult } from '../types';
import { ProviderSendError } from '../../model/errors';
import { CHAT_PAGE, idOf, matchInterrupted } from './confirm';

/**
 * The WAMM.chat API (PROVIDERS.md §2): GET requests with the token in the path, answering HTTP 200
 * with {"err":0,…} on success and {"err":"<reason>"} on failure.
 */

/** Errors that will not go away by retrying. `acc not authorized` (phone offline) is retried. */
const PERMANENT = ['phone fail', 'no whatsapp on the number', 'no account on the number', 'token fail', 'msg_id fail', 'msg not be'];

export const WAMM_MAX_TEXT = 4500;

export class WammApiError extends ProviderSendError {}

export class WammClient implements ProviderClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly log?: Logger,
    private readonly timeoutMs = 10_000,
    /** WAMM_TIMEZONE: an extra check on interrupted sends (confirm.ts); not needed to confirm them. */
    private readonly timeZone?: string,
  ) {}

  private async call(method: string, params: Record<string, string | number | undefined>): Promise<Record<string, unknown>> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
    const url = `${this.baseUrl}/${method}/${encodeURIComponent(this.token)}/?${q}`;
    const { body } = await requestJson(url, { method: 'GET', what: `WAMM ${method}`, timeoutMs: this.timeoutMs });
    if (typeof body !== 'object' || body === null) throw new WammApiError(`WAMM ${method}: unexpected answer ${String(body).slice(0, 100)}`, false);
    const b = body as Record<string, unknown>;
    if (b.err !== 0 && b.err !== '0') {
      const reason = String(b.err ?? 'unknown error');
      throw new WammApiError(`WAMM ${method}: ${reason}`, PERMANENT.includes(reason.toLowerCase()));
    }
    return b;
  }

  async send(conversation: Conversation, message: OutgoingMessage): Promise<SendResult> {
    const phone = phoneOf(conversation);
    let last: SendResult = {};
    // WAMM files carry no caption: the text goes first, as its own message.
    if (message.text) {
      const r = await this.call('msg_to', { phone, text: message.text.slice(0, WAMM_MAX_TEXT), quote_msg_id: message.replyToExternalId });
      last = idOf(r);
    }
    if (message.media?.url) {
      // [GUESS] file_to is seen only in third-party code (PROVIDERS.md §2); confirm with the vendor.
      const r = await this.call('file_to', { phone, url: message.media.url });
      last = message.text ? last : idOf(r);
    }
    this.log?.debug('wamm send ok', { phone, externalId: last.externalId });
    return last;
  }

  /** Did an interrupted msg_to reach WAMM? The chat's newest messages (msg_get) tell (confirm.ts). */
  async confirm(conversation: Conversation, message: OutgoingMessage, since: string, interrupted?: InterruptedSend): Promise<SendResult | null> {
    if (!message.text || message.media) throw new Error('only text sends can be matched');
    const rows = await this.chatMessages(phoneOf(conversation), CHAT_PAGE);
    return matchInterrupted(rows, message.text.slice(0, WAMM_MAX_TEXT), interrupted ?? { since, taken: new Set() }, this.timeZone);
  }

  /** msg_state: the chat (phone) a message id belongs to, and its state. */
  async messageState(msgId: string): Promise<{ phone: string; state?: string }> {
    const r = await this.call('msg_state', { msg_id: msgId });
    const d = (r.msg_data ?? {}) as Record<string, unknown>;
    if (d.phone === undefined || d.phone === null || d.phone === '') throw new WammApiError(`WAMM msg_state: no phone for ${msgId}`, false);
    return { phone: String(d.phone), state: d.state === undefined ? undefined : String(d.state) };
  }

  /** msg_get_last: the newest ≤100 messages across all chats (ids and flags as strings). */
  async lastMessages(count = 100): Promise<Record<string, unknown>[]> {
    const r = await this.call('msg_get_last', { col: Math.min(100, Math.max(1, count)) });
    return Array.isArray(r.msg_data) ? (r.msg_data as Record<string, unknown>[]) : [];
  }

  /** msg_get: the newest ≤100 messages of one chat. */
  async chatMessages(phone: string, count = 100): Promise<Record<string, unknown>[]> {
    const r = await this.call('msg_get', { phone, col: Math.min(100, Math.max(1, count)) });
    return Array.isArray(r.msg_data) ? (r.msg_data as Record<string, unknown>[]) : [];
  }
}

function phoneOf(conversation: Conversation): string {
  return String(conversation.address.phone ?? conversation.externalId.split(':').slice(1).join(':'));
}

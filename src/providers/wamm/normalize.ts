import type { MessageKind, MessageStatus, NormalizedEvent } from '../../model';
import { zonedToUtc } from '../../model/time';
import type { NormalizeContext } from '../types';
import { WammWebhook, type WammMessage } from './schema';

export const PROVIDER = 'wamm';

const KINDS: Record<string, MessageKind> = {
  textMessage: 'text',
  imageMessage: 'image',
  audioMessage: 'audio',
  videoMessage: 'video',
  documentMessage: 'file',
  location: 'location',
  locationMessage: 'location',
  file_link: 'file',
  stickerMessage: 'sticker', // [GUESS] not in the docs' list, seen in WhatsApp gateways
};

/** WAMM's state words → our statuses. Unknown words keep the provider's word in rawStatus. */
const STATUSES: Record<string, MessageStatus> = {
  sending: 'pending',
  sent: 'sent',
  delivered: 'delivered',
  viewed: 'read',
  read: 'read',
  received: 'received',
  deleted: 'deleted',
  'not sent': 'failed',
  failed: 'failed',
  noAccount: 'failed',
  notInGroup: 'failed',
};

export const mapStatus = (state: string | undefined, fallback: MessageStatus): MessageStatus => (state && STATUSES[state]) || fallback;

/** date_ins has no zone: with WAMM_TIMEZONE it is converted, otherwise our receive time stands in. */
function timeOf(naive: string, ctx: NormalizeContext): string {
  return (ctx.config.WAMM_TIMEZONE && zonedToUtc(naive, ctx.config.WAMM_TIMEZONE)) || ctx.receivedAt;
}

export const conversationId = (account: string, phone: string) => `${account}:${phone}`;

function message(m: WammMessage, ctx: NormalizeContext): NormalizedEvent {
  const outbound = m.from_me || m.from_api;
  const kind = KINDS[m.tip_msg] ?? (m.msg_link ? 'file' : 'text');
  return {
    type: 'message',
    conversation: {
      provider: PROVIDER,
      externalId: conversationId(m.phone_acc, m.phone),
      title: m.chat_name,
      address: { account: m.phone_acc, phone: m.phone },
    },
    externalId: String(m.msg_id),
    direction: outbound ? 'outbound' : 'inbound',
    author: outbound
      ? { externalId: m.phone_acc, name: m.from_api ? 'API' : 'Operator', role: m.from_api ? 'bot' : 'operator' }
      : { externalId: m.senderId ?? m.phone, name: m.senderName ?? m.chat_name, role: 'user' },
    kind,
    text: m.msg_text,
    media: m.msg_link ? { url: m.msg_link } : undefined,
    sentAt: timeOf(m.date_ins, ctx),
    status: outbound ? mapStatus(m.state, 'sent') : 'received',
    rawStatus: m.state,
    replyToExternalId: m.qoute_msg_id !== undefined ? String(m.qoute_msg_id) : undefined,
    orderKey: m.msg_id,
    // Our own API sends and operators' messages come back by webhook: record, never answer.
    dispatch: !outbound,
    meta: { tip_msg: m.tip_msg, ...(m.from_api ? { from_api: true } : {}) },
  };
}

export function normalize(payload: unknown, ctx: NormalizeContext): NormalizedEvent[] {
  const body = WammWebhook.parse(payload);
  if (body.tip === 'msg') return [message(body.msg_data, ctx)];
  const s = body.msg_data;
  return [
    {
      type: 'status',
      provider: PROVIDER,
      messageExternalId: String(s.msg_id),
      status: mapStatus(s.state, 'sent'),
      rawStatus: s.state,
      at: timeOf(s.date_upd, ctx),
      externalId: `${s.msg_id}:${s.state}:${s.date_upd}`,
    },
  ];
}

/** The delivery dedupe key: one per message id, one per (message, state, time) status. */
export function deliveryKey(body: WammWebhook | { tip: 'msg' | 'msg_state'; msg_data: { msg_id: number; state?: unknown; date_upd?: unknown } }): string {
  return body.tip === 'msg' ? `msg:${body.msg_data.msg_id}` : `state:${body.msg_data.msg_id}:${String(body.msg_data.state)}:${String(body.msg_data.date_upd)}`;
}

import type { MessageKind, NormalizedEvent, Presence } from '../../model';
import { fromUnixSeconds } from '../../model/time';
import type { NormalizeContext } from '../types';
import { readCallback, type MessageCallback, type MqttChatCallback, type PresenceCallback } from './schema';

export const PROVIDER = 'mqttchat';

/** Seed 001: 0 text & smileys, 1 sticker, 2 picture from disk, 3 recording, 4 picture from camera, 5 audio/video call notification. */
const KINDS: Record<number, MessageKind> = { 0: 'text', 1: 'sticker', 2: 'image', 3: 'audio', 4: 'image', 5: 'call' };

/** Presence words beyond online/offline are undocumented; anything else non-empty counts as online. [GUESS] */
const PRESENCE: Record<string, Presence> = { online: 'online', offline: 'offline', away: 'away', idle: 'away', busy: 'busy', dnd: 'busy' };
export const presenceOf = (status: string): Presence => PRESENCE[status.toLowerCase()] ?? 'online';

/** Messages are 1-to-1: the conversation is the unordered pair of users. */
export function pairId(a: string, b: string): string {
  const numeric = /^\d+$/.test(a) && /^\d+$/.test(b);
  const [lo, hi] = (numeric ? Number(a) <= Number(b) : a <= b) ? [a, b] : [b, a];
  return `${lo}:${hi}`;
}

function presence(p: PresenceCallback): NormalizedEvent {
  const presence = presenceOf(p.status);
  const at = fromUnixSeconds(p.timestamp);
  // userid 0 + offline: MQTT CHAT's presence system was reset (node failure): everyone is offline.
  const everyone = p.userid === '0' && presence === 'offline';
  return {
    type: 'presence',
    provider: PROVIDER,
    participant: everyone ? undefined : { externalId: p.userid, role: 'user' },
    presence,
    at,
    externalId: `${p.userid}:${p.status}:${p.timestamp}`,
  };
}

function message(c: MessageCallback): NormalizedEvent {
  const m = c.message;
  const kind = KINDS[m.type] ?? 'text';
  const looksLikeUrl = /^https?:\/\//i.test(m.message);
  const pair = pairId(c.from_userid, c.to_userid);
  return {
    type: 'message',
    conversation: { provider: PROVIDER, externalId: pair, title: `Users ${pair.replace(':', ' and ')}`, address: { users: [c.from_userid, c.to_userid] } },
    externalId: String(m.id),
    direction: 'inbound',
    author: { externalId: c.from_userid, role: 'user' },
    kind,
    text: m.message,
    // Media messages carry no documented URL field; when the text is a URL it is the media. [GUESS]
    media: kind !== 'text' && looksLikeUrl ? { url: m.message } : undefined,
    sentAt: fromUnixSeconds(m.timestamp),
    status: 'received',
    // The id, not the timestamp: ids are server-assigned and increasing, timestamps have one-second
    // resolution (many messages share one), and timestamp*1e6+id would pass 2^53 once ids pass ~5.5e6.
    orderKey: m.id,
    dispatch: true,
    meta: { type: m.type, to: c.to_userid, ...(m.p1 ? { p1: m.p1 } : {}), ...(m.p2 ? { p2: m.p2 } : {}), ...(m.p3 ? { p3: m.p3 } : {}) },
  };
}

export function toEvents(c: MqttChatCallback): NormalizedEvent[] {
  return c.kind === 'presence' ? [presence(c.body)] : [message(c.body)];
}

export function normalize(payload: unknown, _ctx: NormalizeContext): NormalizedEvent[] {
  const c = readCallback(payload);
  if (!c.ok) throw new Error(`stored MQTT CHAT payload no longer valid: ${c.error}`);
  return toEvents(c.value);
}

/** Shared by the webhook and the catch-up poller, so a message seen by both is stored once. */
export function deliveryKey(c: MqttChatCallback): string {
  return c.kind === 'message' ? `message:${c.body.message.id}` : `presence:${c.body.userid}:${c.body.status}:${c.body.timestamp}`;
}

import { createHash } from 'node:crypto';
import type { NormalizedEvent } from '../../model';
import type { NormalizeContext } from '../types';
import { SuperVizEvent, type ChannelHistory } from './schema';

export const PROVIDER = 'superviz';

/** The marker our published replies carry in `data.source`, so their echoes are never answered. */
export const OWN_SOURCE = 'switchboard';

/** JSON with object keys sorted at every level: the same data always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * SuperViz events carry no id ([GUESS] PROVIDERS.md §7): the key is a hash of what identifies one
 * event, with the time normalized to ISO UTC so the webhook's `date` and the REST `timestamp` (ms)
 * of the same event give the same key. apiKey, roomId and socketId are left out: the REST history
 * names them differently or not at all.
 */
export function eventKey(e: Pick<SuperVizEvent, 'channel' | 'event' | 'date' | 'presenceId' | 'data'>): string {
  const canonical = canonicalJson([e.channel, e.event, new Date(e.date).toISOString(), e.presenceId ?? null, e.data]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The key of an event our schema cannot read: a hash of all of it, so a retry of it is a duplicate. */
export function rawEventKey(raw: unknown): string {
  return `raw:${createHash('sha256').update(canonicalJson(raw)).digest('hex')}`;
}

/** A REST history event in the webhook's shape (and so with the webhook's key). */
export function fromHistory(channel: string, h: ChannelHistory): SuperVizEvent[] {
  return h.events.map((e) => ({
    apiKey: h.channel?.apiKey ?? '',
    roomId: undefined,
    channel,
    event: e.name,
    date: new Date(e.timestamp).toISOString(),
    data: e.data !== null && typeof e.data === 'object' && !Array.isArray(e.data) ? (e.data as Record<string, unknown>) : {},
    presenceId: e.participantId ?? undefined,
    socketId: e.connectionId ?? null,
  }));
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * One event → a chat message (SUPERVIZ_MESSAGE_EVENT with a string data.text) or a session event
 * (every other event, stored with kind `event`). Our own events (data.source = switchboard) come
 * back as outbound messages that never reach a bot; with their `ref` they fold into the reply
 * already stored.
 */
export function normalize(payload: unknown, ctx: NormalizeContext): NormalizedEvent[] {
  const e = SuperVizEvent.parse(payload);
  const at = new Date(e.date).toISOString();
  const conversation = {
    provider: PROVIDER,
    externalId: e.channel,
    title: e.channel,
    address: { channel: e.channel, ...(e.roomId ? { roomId: e.roomId } : {}) },
  };
  const meta = {
    event: e.event,
    ...(e.presenceId ? { presenceId: e.presenceId } : {}),
    ...(e.socketId ? { socketId: e.socketId } : {}),
    ...(e.roomId ? { roomId: e.roomId } : {}),
  };
  const key = eventKey(e);
  const own = e.data.source === OWN_SOURCE;

  const chat = e.event === ctx.config.SUPERVIZ_MESSAGE_EVENT && typeof e.data.text === 'string';
  if (chat || own) {
    const ref = own ? str(e.data.ref) : undefined;
    // Our own events of any other name are recorded the same way (kind `event`), never dispatched.
    return [
      {
        type: 'message',
        conversation,
        externalId: ref ? `out:${ref}` : key,
        direction: own ? 'outbound' : 'inbound',
        author: own
          ? { externalId: OWN_SOURCE, name: 'Switchboard', role: 'bot' }
          : // [GUESS] data.name is our convention with the web client for the sender's display name.
            { externalId: e.presenceId ?? e.socketId ?? 'anonymous', name: str(e.data.name), role: 'user' },
        kind: chat ? 'text' : 'event',
        text: chat ? (e.data.text as string) : e.event,
        sentAt: at,
        status: own ? 'sent' : 'received',
        orderKey: Date.parse(at),
        dispatch: !own,
        meta,
      },
    ];
  }
  return [
    {
      type: 'session',
      conversation,
      name: e.event,
      participant: e.presenceId ? { externalId: e.presenceId, role: 'user' } : undefined,
      at,
      externalId: key,
      orderKey: Date.parse(at),
      data: { ...meta, data: e.data },
    },
  ];
}

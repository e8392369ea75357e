import type { Conversation, Message, Participant } from '../model';
import type { Dispatch, OutboxItem, StoredDelivery } from './types';

/** Row → model mapping shared by the SQLite and PostgreSQL stores (same column names in both). */

/**
 * The columns the mappers below read, for statements that select several tables' rows at once
 * (`scene` in sql-reads.ts): each table's columns under a prefix, split again by `unprefixed`.
 */
export const COLUMNS = {
  conversations: ['id', 'provider', 'external_id', 'title', 'status', 'address', 'last_message_at', 'created_at'],
  messages: [
    'id',
    'conversation_id',
    'external_id',
    'direction',
    'author_id',
    'author_name',
    'author_role',
    'kind',
    'text',
    'media',
    'sent_at',
    'status',
    'raw_status',
    'order_key',
    'reply_to',
    'meta',
  ],
  participants: ['id', 'provider', 'external_id', 'name', 'role', 'presence', 'presence_at'],
} as const;

/** `m.id AS m_id, m.provider AS m_provider, …` for one table under an alias. */
export const aliased = (table: keyof typeof COLUMNS, alias: string): string => COLUMNS[table].map((c) => `${alias}.${c} AS ${alias}_${c}`).join(', ');

/** The row of one table out of a row that holds several (see `aliased`); undefined when its id is null (no match). */
export function unprefixed(row: Record<string, unknown>, table: keyof typeof COLUMNS, alias: string): Record<string, unknown> | undefined {
  if (row[`${alias}_id`] == null) return undefined;
  const out: Record<string, unknown> = {};
  for (const c of COLUMNS[table]) out[c] = row[`${alias}_${c}`];
  return out;
}

const json = <T>(v: unknown, fallback: T): T => (v == null ? fallback : typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

export function toConversation(r: any): Conversation {
  return {
    id: Number(r.id),
    provider: r.provider,
    externalId: r.external_id,
    title: r.title ?? null,
    status: r.status,
    address: json(r.address, {}),
    lastMessageAt: r.last_message_at ?? null,
    createdAt: r.created_at,
  };
}

export function toMessage(r: any): Message {
  return {
    id: Number(r.id),
    conversationId: Number(r.conversation_id),
    externalId: r.external_id ?? null,
    direction: r.direction,
    author: { id: r.author_id, name: r.author_name ?? null, role: r.author_role },
    kind: r.kind,
    text: r.text ?? null,
    media: json(r.media, null),
    sentAt: r.sent_at,
    status: r.status,
    rawStatus: r.raw_status ?? null,
    orderKey: Number(r.order_key),
    replyToExternalId: r.reply_to ?? null,
    meta: json(r.meta, null),
  };
}

export function toParticipant(r: any): Participant {
  return {
    id: Number(r.id),
    provider: r.provider,
    externalId: r.external_id,
    name: r.name ?? null,
    role: r.role,
    presence: r.presence ?? null,
    presenceAt: r.presence_at ?? null,
  };
}

export function toDispatch(r: any): Dispatch {
  return {
    id: Number(r.id),
    partition: r.partition,
    conversationId: r.conversation_id == null ? null : Number(r.conversation_id),
    orderKey: Number(r.order_key),
    event: json(r.event, null as never),
    deliveryId: r.delivery_id == null ? null : Number(r.delivery_id),
    attempts: Number(r.attempts),
    lastError: r.last_error ?? null,
    ...(r.runs == null ? {} : { runs: json(r.runs, []) }),
  };
}

export function toOutbox(r: any): OutboxItem {
  return {
    id: Number(r.id),
    conversationId: Number(r.conversation_id),
    provider: r.provider,
    messageId: Number(r.message_id),
    message: json(r.body, {}),
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error ?? null,
    ...(r.send_ref ? { attempt: { ref: r.send_ref, knownOrderKey: r.known_order_key == null ? undefined : Number(r.known_order_key) } } : {}),
    ...(Number(r.maybe_delivered ?? 0) ? { maybeDelivered: true } : {}),
    ...(r.attempt_log == null ? {} : { attemptLog: json(r.attempt_log, []) }),
  };
}

export function toDelivery(r: any): StoredDelivery {
  const d: StoredDelivery = { id: Number(r.id), provider: r.provider, key: r.dedupe_key, payload: json(r.payload, null), receivedAt: r.received_at };
  if (Number(r.recovered) === 1) d.recovered = true;
  return d;
}

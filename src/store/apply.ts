import type {
  ConversationInfo,
  DispatchEvent,
  EditEvent,
  MessageEvent,
  MessageStatus,
  NormalizedEvent,
  PresenceEvent,
  SequenceEvent,
  SessionEvent,
  StatusEvent,
} from '../model';
import { BLOCKED_BY_USER } from '../model/errors';
import { applyMessages, applySequences } from './apply-bulk';
import { conversationPartition } from './leases';
import type { SqlRunner } from './sql';
import type { ApplyStats } from './types';

/**
 * Applying normalized events inside one transaction. Every insert is keyed by the provider's own
 * id (UNIQUE constraints), so a retried or re-polled delivery changes nothing and dispatches nothing:
 * a bot runs only for a row this transaction actually inserted.
 */

const now = () => new Date().toISOString();

export async function upsertConversation(tx: SqlRunner, c: ConversationInfo, at?: string): Promise<number> {
  const row = await tx.get<{ id: number; address: string }>(
    `INSERT INTO conversations (provider, external_id, title, address, last_message_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (provider, external_id) DO UPDATE SET
       title = COALESCE(excluded.title, conversations.title),
       last_message_at = CASE WHEN conversations.last_message_at IS NULL OR excluded.last_message_at > conversations.last_message_at
                              THEN COALESCE(excluded.last_message_at, conversations.last_message_at) ELSE conversations.last_message_at END
     RETURNING id, address`,
    [c.provider, c.externalId, c.title ?? null, JSON.stringify(c.address ?? {}), at ?? null, now()],
  );
  const id = Number(row!.id);
  if (c.address && Object.keys(c.address).length > 0) {
    const merged = { ...JSON.parse(row!.address || '{}'), ...c.address };
    if (JSON.stringify(merged) !== row!.address) {
      await tx.run('UPDATE conversations SET address = ? WHERE id = ?', [JSON.stringify(merged), id]);
    }
  }
  return id;
}

async function upsertParticipant(tx: SqlRunner, provider: string, p: { externalId: string; name?: string; role: string }): Promise<void> {
  await tx.run(
    `INSERT INTO participants (provider, external_id, name, role) VALUES (?, ?, ?, ?)
     ON CONFLICT (provider, external_id) DO UPDATE SET name = COALESCE(excluded.name, participants.name), role = excluded.role`,
    [provider, p.externalId, p.name ?? null, p.role],
  );
}

export async function insertDispatch(
  tx: SqlRunner,
  stats: ApplyStats,
  partition: string,
  conversationId: number | null,
  orderKey: number,
  event: DispatchEvent,
  deliveryId: number | null,
): Promise<void> {
  await tx.run('INSERT INTO dispatches (partition, conversation_id, order_key, event, delivery_id, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
    partition,
    conversationId,
    orderKey,
    JSON.stringify(event),
    deliveryId,
    now(),
  ]);
  stats.partitions.add(partition);
}

/** A dispatch in its conversation's partition, where a conversation's events run one at a time, in order. */
function dispatchInConversation(
  tx: SqlRunner,
  stats: ApplyStats,
  conversationId: number,
  orderKey: number,
  event: DispatchEvent,
  deliveryId: number | null,
): Promise<void> {
  return insertDispatch(tx, stats, conversationPartition(conversationId), conversationId, orderKey, event, deliveryId);
}

/** Statuses only move forward, except the terminal ones which always apply. */
const STATUS_RANK: Record<MessageStatus, number> = { pending: 0, received: 1, sent: 1, delivered: 2, read: 3, failed: 9, deleted: 9 };

async function applyStatus(tx: SqlRunner, e: StatusEvent, deliveryId: number, stats: ApplyStats): Promise<{ dispatched: number; unknown: boolean }> {
  const fresh = await tx.get('INSERT INTO status_events (provider, external_id) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING external_id', [
    e.provider,
    e.externalId,
  ]);
  if (!fresh) return { dispatched: 0, unknown: false };
  const msg = await tx.get<{ id: number; conversation_id: number; status: MessageStatus; order_key: number }>(
    'SELECT id, conversation_id, status, order_key FROM messages WHERE provider = ? AND external_id = ?',
    [e.provider, e.messageExternalId],
  );
  if (!msg) return { dispatched: 0, unknown: true };
  if (STATUS_RANK[e.status] >= STATUS_RANK[msg.status]) {
    await tx.run('UPDATE messages SET status = ?, raw_status = ?, status_at = ? WHERE id = ?', [e.status, e.rawStatus ?? null, e.at, msg.id]);
  }
  const conversationId = Number(msg.conversation_id);
  await dispatchInConversation(
    tx,
    stats,
    conversationId,
    Number(msg.order_key),
    { type: 'status', messageId: Number(msg.id), status: e.status, rawStatus: e.rawStatus, at: e.at },
    deliveryId,
  );
  return { dispatched: 1, unknown: false };
}

async function applyPresence(tx: SqlRunner, e: PresenceEvent, deliveryId: number, stats: ApplyStats): Promise<number> {
  if (e.participant) {
    const p = e.participant;
    const res = await tx.run(
      `INSERT INTO participants (provider, external_id, name, role, presence, presence_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (provider, external_id) DO UPDATE SET presence = excluded.presence, presence_at = excluded.presence_at,
         name = COALESCE(excluded.name, participants.name)
       WHERE participants.presence_at IS NULL OR participants.presence_at <= excluded.presence_at`,
      [e.provider, p.externalId, p.name ?? null, p.role, e.presence, e.at],
    );
    if (res.changes === 0) return 0; // older than what we know
  } else {
    await tx.run('UPDATE participants SET presence = ?, presence_at = ? WHERE provider = ?', [e.presence, e.at, e.provider]);
  }
  await insertDispatch(
    tx,
    stats,
    `p:${e.provider}`,
    null,
    Date.parse(e.at),
    { type: 'presence', provider: e.provider, participantExternalId: e.participant?.externalId, presence: e.presence, at: e.at },
    deliveryId,
  );
  return 1;
}

/**
 * The user blocked the bot: the replies still waiting (not one on the wire) are dead-lettered now,
 * with that reason, rather than each tried and refused.
 */
async function deadLetterUnsent(tx: SqlRunner, conversationId: number, reason: string): Promise<void> {
  await tx.run("UPDATE messages SET status = 'failed' WHERE id IN (SELECT message_id FROM outbox WHERE conversation_id = ? AND status = 'pending')", [
    conversationId,
  ]);
  await tx.run("UPDATE outbox SET status = 'dead', last_error = ?, maybe_delivered = 0 WHERE conversation_id = ? AND status = 'pending'", [
    reason,
    conversationId,
  ]);
}

async function applySession(tx: SqlRunner, e: SessionEvent, deliveryId: number, stats: ApplyStats): Promise<number> {
  const conversationId = await upsertConversation(tx, e.conversation, e.at);
  const author = e.participant ?? { externalId: 'system', role: 'organizer' as const };
  if (e.participant) await upsertParticipant(tx, e.conversation.provider, e.participant);
  const row = await tx.get<{ id: number }>(
    `INSERT INTO messages (conversation_id, provider, external_id, direction, author_id, author_name, author_role, kind, text,
                           sent_at, status, order_key, meta, created_at)
     VALUES (?, ?, ?, 'inbound', ?, ?, ?, 'event', ?, ?, 'received', ?, ?, ?)
     ON CONFLICT (provider, external_id) DO NOTHING RETURNING id`,
    [
      conversationId,
      e.conversation.provider,
      e.externalId,
      author.externalId,
      author.name ?? null,
      author.role,
      e.name,
      e.at,
      e.orderKey,
      JSON.stringify({ event: e.name, ...(e.data ? { data: e.data } : {}) }),
      now(),
    ],
  );
  if (!row) return 0;
  if (e.conversation.address?.blocked === true) await deadLetterUnsent(tx, conversationId, BLOCKED_BY_USER);
  await dispatchInConversation(tx, stats, conversationId, e.orderKey, { type: 'session', messageId: Number(row.id), name: e.name, data: e.data }, deliveryId);
  return 1;
}

/**
 * Apply a batch of normalized deliveries. Message events (nearly all of the traffic) go in bulk
 * first (applyMessages), then sequence numbers in bulk, then every other event in the order given,
 * so a status or session event sees the messages of its own batch.
 */
export async function applyBatch(tx: SqlRunner, batch: { deliveryId: number; events: NormalizedEvent[] }[], stats: ApplyStats): Promise<void> {
  const messages: { e: MessageEvent; deliveryId: number }[] = [];
  const sequences: SequenceEvent[] = [];
  const others: { deliveryId: number; events: NormalizedEvent[] }[] = [];
  for (const { deliveryId, events } of batch) {
    const rest = events.filter((e) => {
      if (e.type === 'message') messages.push({ e, deliveryId });
      else if (e.type === 'sequence') sequences.push(e);
      else return true;
      return false;
    });
    if (rest.length > 0) others.push({ deliveryId, events: rest });
  }
  if (messages.length > 0) await applyMessages(tx, messages, stats);
  if (sequences.length > 0) await applySequences(tx, sequences);
  for (const o of others) await applyEvents(tx, o.deliveryId, o.events, stats);
}

/**
 * A new text for a stored message: the old one joins meta.history (with when it was replaced), and
 * bots get an `edited` event. The same edit twice, or one that changes nothing, does nothing.
 */
async function applyEdit(tx: SqlRunner, e: EditEvent, deliveryId: number, stats: ApplyStats): Promise<number> {
  const fresh = await tx.get('INSERT INTO status_events (provider, external_id) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING external_id', [
    e.provider,
    `edit:${e.externalId}`,
  ]);
  if (!fresh) return 0;
  const msg = await tx.get<{ id: number; conversation_id: number; text: string | null; meta: string | null; order_key: number; direction: string }>(
    'SELECT id, conversation_id, text, meta, order_key, direction FROM messages WHERE provider = ? AND external_id = ?',
    [e.provider, e.messageExternalId],
  );
  if (!msg || (msg.text ?? undefined) === e.text) return 0;
  const meta = msg.meta ? (JSON.parse(msg.meta) as Record<string, unknown>) : {};
  const history = Array.isArray(meta.history) ? meta.history : [];
  const next = { ...meta, history: [...history, { text: msg.text, until: e.at }], editedAt: e.at };
  await tx.run('UPDATE messages SET text = ?, meta = ? WHERE id = ?', [e.text ?? null, JSON.stringify(next), msg.id]);
  if (!e.dispatch || msg.direction !== 'inbound') return 0;
  const conversationId = Number(msg.conversation_id);
  await dispatchInConversation(
    tx,
    stats,
    conversationId,
    Number(msg.order_key),
    { type: 'edited', messageId: Number(msg.id), previousText: msg.text, at: e.at },
    deliveryId,
  );
  return 1;
}

export const newApplyStats = (): ApplyStats => ({ dispatches: 0, partitions: new Set(), unknownStatuses: [] });

export async function applyEvents(tx: SqlRunner, deliveryId: number, events: NormalizedEvent[], stats: ApplyStats): Promise<void> {
  for (const e of events) {
    switch (e.type) {
      case 'message':
        await applyMessages(tx, [{ e, deliveryId }], stats);
        break;
      case 'status': {
        const r = await applyStatus(tx, e, deliveryId, stats);
        stats.dispatches += r.dispatched;
        if (r.unknown) stats.unknownStatuses.push({ provider: e.provider, messageExternalId: e.messageExternalId });
        break;
      }
      case 'presence':
        stats.dispatches += await applyPresence(tx, e, deliveryId, stats);
        break;
      case 'session':
        stats.dispatches += await applySession(tx, e, deliveryId, stats);
        break;
      case 'sequence':
        await applySequences(tx, [e]);
        break;
      case 'edit':
        stats.dispatches += await applyEdit(tx, e, deliveryId, stats);
        break;
    }
  }
}

import type { ConversationInfo, MessageEvent, SequenceEvent } from '../model';
import type { ApplyStats } from './types';
import { chunks } from './chunks';
import { conversationPartition } from './leases';
import type { SqlRunner } from './sql';

/**
 * Applying in bulk: the message events and sequence numbers of a whole batch in a handful of
 * multi-row statements (apply.ts applies the other events one by one, and calls these for single
 * events too).
 */

const now = () => new Date().toISOString();

/** Larger jumps are a provider reset (Telegram after a week idle, a new Webinato session), not gaps. */
const MAX_GAP = 1000;

/**
 * Sequence numbers (Telegram update_id, Webinato batchNo) of a batch, per scope: the cursor is read
 * once and written once, gaps are recorded and filled in bulk. Taken in order: a number above the
 * cursor moves it (recording the numbers skipped, unless the jump is a reset), 1 below a higher
 * cursor starts a new Webinato session, anything else fills a gap.
 */
export async function applySequences(tx: SqlRunner, events: SequenceEvent[]): Promise<void> {
  const scopes = new Map<string, SequenceEvent[]>();
  for (const e of events) {
    const key = `seq:${e.provider}:${e.scope}`;
    const list = scopes.get(key);
    if (list) list.push(e);
    else scopes.set(key, [e]);
  }
  for (const [key, list] of scopes) {
    const { provider, scope } = list[0]!;
    const row = await tx.get<{ value: string }>('SELECT value FROM cursors WHERE key = ?', [key]);
    const before = row ? Number(row.value) : undefined;
    let high = before;
    const found = new Set<number>();
    const filled = new Set<number>();
    for (const { sequence } of list) {
      if (high === undefined || sequence > high) {
        if (high !== undefined && sequence - high > 1 && sequence - high <= MAX_GAP) {
          for (let g = high + 1; g < sequence; g++) {
            found.add(g);
            filled.delete(g);
          }
        }
        high = sequence;
      } else if (sequence === 1 && high > 1) {
        high = 1; // Webinato counts batches from room start: 1 again means a new session.
      } else if (!found.delete(sequence)) {
        filled.add(sequence);
      }
    }
    const at = now();
    for (const part of chunks([...found])) {
      await tx.run(
        `INSERT INTO gaps (provider, scope, sequence, detected_at) VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
        part.flatMap((g) => [provider, scope, g, at]),
      );
    }
    for (const part of chunks([...filled])) {
      await tx.run(`DELETE FROM gaps WHERE provider = ? AND scope = ? AND sequence IN (${part.map(() => '?').join(', ')})`, [provider, scope, ...part]);
    }
    if (high !== before) {
      await tx.run('INSERT INTO cursors (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, String(high)]);
    }
  }
}

const keyOf = (provider: string, externalId: string) => `${provider}\u0000${externalId}`;

/**
 * The message events of a whole batch in a handful of multi-row statements: conversations, then
 * authors, then messages, then dispatches for the messages actually inserted. Same outcome as
 * applying them one by one would: the first copy of a message wins, a conversation's title
 * is the last one given and its address the merge of all, last_message_at only moves forward. On
 * PostgreSQL this is the difference between ~5 round trips per message and ~5 per batch.
 */
export async function applyMessages(tx: SqlRunner, batch: { e: MessageEvent; deliveryId: number }[], stats: ApplyStats): Promise<void> {
  // Conversations: one row per conversation, combined in batch order.
  const convs = new Map<string, { info: ConversationInfo; at: string }>();
  for (const { e } of batch) {
    const k = keyOf(e.conversation.provider, e.conversation.externalId);
    const seen = convs.get(k);
    if (!seen) {
      convs.set(k, { info: { ...e.conversation, address: e.conversation.address ? { ...e.conversation.address } : undefined }, at: e.sentAt });
      continue;
    }
    if (e.conversation.title != null) seen.info.title = e.conversation.title;
    if (e.conversation.address) seen.info.address = { ...seen.info.address, ...e.conversation.address };
    if (e.sentAt > seen.at) seen.at = e.sentAt;
  }
  const convIds = new Map<string, number>();
  const at = now();
  for (const part of chunks([...convs.values()])) {
    const rows = await tx.all<{ id: number; provider: string; external_id: string; address: string }>(
      `INSERT INTO conversations (provider, external_id, title, address, last_message_at, created_at)
       VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (provider, external_id) DO UPDATE SET
         title = COALESCE(excluded.title, conversations.title),
         last_message_at = CASE WHEN conversations.last_message_at IS NULL OR excluded.last_message_at > conversations.last_message_at
                                THEN COALESCE(excluded.last_message_at, conversations.last_message_at) ELSE conversations.last_message_at END
       RETURNING id, provider, external_id, address`,
      part.flatMap(({ info, at: last }) => [info.provider, info.externalId, info.title ?? null, JSON.stringify(info.address ?? {}), last, at]),
    );
    for (const row of rows) {
      const k = keyOf(row.provider, row.external_id);
      const id = Number(row.id);
      convIds.set(k, id);
      const address = convs.get(k)!.info.address;
      if (address && Object.keys(address).length > 0) {
        const merged = JSON.stringify({ ...JSON.parse(row.address || '{}'), ...address });
        if (merged !== row.address) await tx.run('UPDATE conversations SET address = ? WHERE id = ?', [merged, id]);
      }
    }
  }

  // Authors: the last role and the last name given win.
  const people = new Map<string, { provider: string; externalId: string; name: string | null; role: string }>();
  for (const { e } of batch) {
    const k = keyOf(e.conversation.provider, e.author.externalId);
    const seen = people.get(k);
    people.set(k, { provider: e.conversation.provider, externalId: e.author.externalId, name: e.author.name ?? seen?.name ?? null, role: e.author.role });
  }
  for (const part of chunks([...people.values()])) {
    await tx.run(
      `INSERT INTO participants (provider, external_id, name, role) VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')}
       ON CONFLICT (provider, external_id) DO UPDATE SET name = COALESCE(excluded.name, participants.name), role = excluded.role`,
      part.flatMap((p) => [p.provider, p.externalId, p.name, p.role]),
    );
  }

  // Messages: the first copy in the batch; RETURNING names the rows actually inserted.
  const fresh = new Map<string, { e: MessageEvent; deliveryId: number; conversationId: number }>();
  for (const { e, deliveryId } of batch) {
    const k = keyOf(e.conversation.provider, e.externalId);
    if (!fresh.has(k)) fresh.set(k, { e, deliveryId, conversationId: convIds.get(keyOf(e.conversation.provider, e.conversation.externalId))! });
  }
  const created = now();
  const dispatches: { conversationId: number; orderKey: number; messageId: number; deliveryId: number }[] = [];
  for (const part of chunks([...fresh.values()])) {
    const rows = await tx.all<{ id: number; provider: string; external_id: string }>(
      `INSERT INTO messages (conversation_id, provider, external_id, direction, author_id, author_name, author_role, kind, text, media,
                             sent_at, status, raw_status, order_key, reply_to, meta, created_at)
       VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (provider, external_id) DO NOTHING RETURNING id, provider, external_id`,
      part.flatMap(({ e, conversationId }) => [
        conversationId,
        e.conversation.provider,
        e.externalId,
        e.direction,
        e.author.externalId,
        e.author.name ?? null,
        e.author.role,
        e.kind,
        e.text ?? null,
        e.media ? JSON.stringify(e.media) : null,
        e.sentAt,
        e.status,
        e.rawStatus ?? null,
        e.orderKey,
        e.replyToExternalId ?? null,
        e.meta ? JSON.stringify(e.meta) : null,
        created,
      ]),
    );
    for (const row of rows) {
      const m = fresh.get(keyOf(row.provider, row.external_id))!;
      if (m.e.meta?.recovered) (stats.recovered ??= new Map()).set(row.provider, (stats.recovered.get(row.provider) ?? 0) + 1);
      if (m.e.dispatch) dispatches.push({ conversationId: m.conversationId, orderKey: m.e.orderKey, messageId: Number(row.id), deliveryId: m.deliveryId });
    }
  }

  // Dispatches for the inserted messages, in the batch's order.
  dispatches.sort((a, b) => a.messageId - b.messageId);
  for (const part of chunks(dispatches)) {
    await tx.run(
      `INSERT INTO dispatches (partition, conversation_id, order_key, event, delivery_id, created_at) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      part.flatMap((d) => [
        conversationPartition(d.conversationId),
        d.conversationId,
        d.orderKey,
        JSON.stringify({ type: 'message', messageId: d.messageId }),
        d.deliveryId,
        created,
      ]),
    );
  }
  stats.dispatches += dispatches.length;
  for (const d of dispatches) stats.partitions.add(conversationPartition(d.conversationId));
}

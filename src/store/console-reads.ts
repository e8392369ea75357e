import type { Conversation, Message } from '../model';
import { toConversation, toDispatch, toMessage, toOutbox } from './rows';
import type { Param, SqlDb, Statement } from './sql';
import type { Dispatch, OutboxItem } from './types';
import { listAudit, type AuditEntry } from './operators';

/**
 * What the operator console reads: the conversations list a page at a time, one conversation's
 * timeline, the hand-off inbox and the change feed its live updates come from. Every read is
 * bounded (a page, a window) and goes by an index (migration 008).
 */

export interface ConversationRow extends Conversation {
  lastText: string | null;
  /** A dead reply or a failed bot run. */
  failing: boolean;
  claimedBy: string | null;
}

export interface ConversationQuery {
  provider?: string;
  status?: Conversation['status'];
  failing?: boolean;
  /** Text of its messages, its title, external id or an author's name. */
  search?: string;
  limit: number;
  /** The last row of the previous page. */
  after?: { lastMessageAt: string; id: number };
}

const like = (s: string) => `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const FAILING = `(EXISTS (SELECT 1 FROM outbox o WHERE o.conversation_id = c.id AND o.status = 'dead')
  OR EXISTS (SELECT 1 FROM dispatches d WHERE d.conversation_id = c.id AND d.status = 'failed'))`;

export async function listConversationRows(db: SqlDb, q: ConversationQuery): Promise<ConversationRow[]> {
  const { sql, params } = conversationListStatement(q);
  const rows = await db.all(sql, params);
  return rows.map((r) => ({ ...toConversation(r), lastText: r.last_text ?? null, failing: Number(r.failing) === 1, claimedBy: r.claimed_by ?? null }));
}

/** The list's statement (its plan is checked in test/store/console.test.ts). */
export function conversationListStatement(q: ConversationQuery): Statement {
  const where = ['c.last_message_at IS NOT NULL'];
  const params: Param[] = [];
  if (q.provider) {
    where.push('c.provider = ?');
    params.push(q.provider);
  }
  if (q.status) {
    where.push('c.status = ?');
    params.push(q.status);
  }
  if (q.failing) where.push(FAILING);
  if (q.search) {
    const p = like(q.search);
    where.push(`(LOWER(COALESCE(c.title, '')) LIKE ? ESCAPE '\\' OR LOWER(c.external_id) LIKE ? ESCAPE '\\'
      OR EXISTS (SELECT 1 FROM messages s WHERE s.conversation_id = c.id
        AND (LOWER(COALESCE(s.text, '')) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(s.author_name, '')) LIKE ? ESCAPE '\\' OR LOWER(s.author_id) LIKE ? ESCAPE '\\')))`);
    params.push(p, p, p, p, p);
  }
  if (q.after) {
    // A row value: both dialects read it as one range of the (last_message_at, id) index; the OR
    // form made SQLite merge two index reads and sort them.
    where.push('(c.last_message_at, c.id) < (?, ?)');
    params.push(q.after.lastMessageAt, q.after.id);
  }
  return {
    sql: `SELECT c.*, cl.operator_name AS claimed_by,
       (SELECT m.text FROM messages m WHERE m.conversation_id = c.id ORDER BY m.order_key DESC, m.id DESC LIMIT 1) AS last_text,
       CASE WHEN ${FAILING} THEN 1 ELSE 0 END AS failing
     FROM conversations c LEFT JOIN conversation_claims cl ON cl.conversation_id = c.id
     WHERE ${where.join(' AND ')}
     ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?`,
    params: [...params, q.limit],
  };
}

export interface DeliveryRef {
  id: number;
  receivedAt: string;
  recovered: boolean;
  status: string;
}

export interface TimelineOutbox extends OutboxItem {
  createdAt: string;
  sentAt: string | null;
}

export interface Timeline {
  conversation: Conversation;
  claimedBy: string | null;
  /** The newest messages, oldest first. */
  messages: Message[];
  /** The bot runs of those messages (and presence and session events), with the delivery each came in. */
  dispatches: (Dispatch & { status: string })[];
  deliveries: DeliveryRef[];
  outbox: TimelineOutbox[];
  audit: AuditEntry[];
}

export async function timeline(db: SqlDb, conversationId: number, limit = 200): Promise<Timeline | undefined> {
  const c = await db.get(
    'SELECT c.*, cl.operator_name AS claimed_by FROM conversations c LEFT JOIN conversation_claims cl ON cl.conversation_id = c.id WHERE c.id = ?',
    [conversationId],
  );
  if (!c) return undefined;
  const messages = (
    await db.all('SELECT * FROM messages WHERE conversation_id = ? ORDER BY order_key DESC, id DESC LIMIT ?', [conversationId, limit])
  ).reverse();
  const first = messages[0] ? Number(messages[0].order_key) : 0;
  const dispatchRows = await db.all('SELECT * FROM dispatches WHERE conversation_id = ? AND order_key >= ? ORDER BY id DESC LIMIT ?', [
    conversationId,
    first,
    limit * 4,
  ]);
  const deliveryIds = [...new Set(dispatchRows.map((d) => d.delivery_id).filter((x) => x != null))].map(Number);
  const deliveries = deliveryIds.length
    ? await db.all(`SELECT id, received_at, recovered, status FROM deliveries WHERE id IN (${deliveryIds.map(() => '?').join(', ')})`, deliveryIds)
    : [];
  const firstMessageId = messages.length ? Math.min(...messages.map((m) => Number(m.id))) : 0;
  const outbox = await db.all('SELECT * FROM outbox WHERE conversation_id = ? AND message_id >= ? ORDER BY id DESC LIMIT ?', [
    conversationId,
    firstMessageId,
    limit,
  ]);
  return {
    conversation: toConversation(c),
    claimedBy: c.claimed_by ?? null,
    messages: messages.map(toMessage),
    dispatches: dispatchRows.reverse().map((d) => ({ ...toDispatch(d), status: d.status })),
    deliveries: deliveries.map((d) => ({ id: Number(d.id), receivedAt: d.received_at, recovered: Number(d.recovered) === 1, status: d.status })),
    outbox: outbox.reverse().map((o) => ({ ...toOutbox(o), createdAt: o.created_at, sentAt: o.sent_at ?? null })),
    audit: await listAudit(db, { limit: 100, conversationId }),
  };
}

export interface HandoffRow extends ConversationRow {
  /** The first customer message no person has answered yet; null when none waits. */
  waitingSince: string | null;
}

/** Conversations handed to people, longest waiting first (a page of at most `limit`). */
export async function handoffInbox(db: SqlDb, limit: number): Promise<HandoffRow[]> {
  const rows = await db.all(
    `SELECT c.*, cl.operator_name AS claimed_by,
       (SELECT m.text FROM messages m WHERE m.conversation_id = c.id ORDER BY m.order_key DESC, m.id DESC LIMIT 1) AS last_text,
       (SELECT MIN(i.sent_at) FROM messages i WHERE i.conversation_id = c.id AND i.direction = 'inbound'
          AND i.order_key > COALESCE((SELECT MAX(r.order_key) FROM messages r WHERE r.conversation_id = c.id AND r.author_role = 'operator'), -1)) AS waiting_since
     FROM conversations c LEFT JOIN conversation_claims cl ON cl.conversation_id = c.id
     WHERE c.status = 'handoff' AND c.last_message_at IS NOT NULL
     ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?`,
    [limit],
  );
  const out = rows.map((r) => ({
    ...toConversation(r),
    lastText: r.last_text ?? null,
    failing: false,
    claimedBy: r.claimed_by ?? null,
    waitingSince: r.waiting_since ?? null,
  }));
  // Waiting ones first, the longest wait on top; answered ones after, newest activity first.
  return out.sort((a, b) => (a.waitingSince ?? '~').localeCompare(b.waitingSince ?? '~'));
}

/** What changed after a cursor: new messages and audit entries, with their conversations. */
export async function changesSince(db: SqlDb, after: { message: number; audit: number }, limit = 1000) {
  const messages = await db.all<{ id: number; conversation_id: number }>('SELECT id, conversation_id FROM messages WHERE id > ? ORDER BY id LIMIT ?', [
    after.message,
    limit,
  ]);
  const audit = await db.all<{ id: number; conversation_id: number | null }>('SELECT id, conversation_id FROM audit_log WHERE id > ? ORDER BY id LIMIT ?', [
    after.audit,
    limit,
  ]);
  return {
    messages: messages.map((m) => ({ id: Number(m.id), conversationId: Number(m.conversation_id) })),
    audit: audit.map((a) => ({ id: Number(a.id), conversationId: a.conversation_id == null ? null : Number(a.conversation_id) })),
  };
}

export async function latestIds(db: SqlDb): Promise<{ message: number; audit: number }> {
  const r = await db.get('SELECT (SELECT MAX(id) FROM messages) AS m, (SELECT MAX(id) FROM audit_log) AS a');
  return { message: Number(r?.m ?? 0), audit: Number(r?.a ?? 0) };
}

/**
 * Deliveries per provider and minute since `since` (the health chart), and the instances holding
 * leases now. The hour's deliveries are found by id, not by time: ids grow with the time they were
 * stored, so a binary search over the primary key finds the first of the hour in a few lookups,
 * and no index on received_at has to be kept up by every webhook.
 */
export async function activity(db: SqlDb, since: string) {
  const bounds = await db.get('SELECT MIN(id) AS lo, MAX(id) AS hi FROM deliveries');
  let lo = Number(bounds?.lo ?? 0);
  let hi = Number(bounds?.hi ?? 0) + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const r = await db.get<{ id: number; received_at: string }>('SELECT id, received_at FROM deliveries WHERE id >= ? ORDER BY id LIMIT 1', [mid]);
    if (!r || r.received_at >= since) hi = mid;
    else lo = Number(r.id) + 1;
  }
  const rows = await db.all(
    'SELECT provider, SUBSTR(received_at, 1, 16) AS minute, COUNT(*) AS n FROM deliveries WHERE id >= ? AND received_at >= ? GROUP BY provider, SUBSTR(received_at, 1, 16)',
    [lo, since],
  );
  const owners = await db.all<{ owner: string }>('SELECT DISTINCT owner FROM partition_leases WHERE expires_at >= ?', [new Date().toISOString()]);
  return {
    perMinute: rows.map((r) => ({ provider: r.provider as string, minute: r.minute as string, count: Number(r.n) })),
    instances: owners.map((o) => o.owner),
  };
}

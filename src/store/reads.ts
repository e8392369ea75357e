import type { Button, Conversation, ConversationRef, Message, Participant } from '../model';
import { quarantinedCounts } from './deliveries';
import { aliased, toConversation, toMessage, toParticipant, unprefixed } from './rows';
import type { SqlDb } from './sql';
import type { ListMessagesOptions, PendingChoice, ProviderHealth, Scene, SceneQuery } from './types';

/**
 * A bot run's first read, one statement for three: the dispatch's message, its conversation, and
 * the participant the message is from (an inbound one) or the presence event names. The
 * participant's provider is the conversation's, or the presence event's when it has none.
 */
const SCENE = `SELECT ${aliased('messages', 'm')}, ${aliased('conversations', 'c')}, ${aliased('participants', 'p')}
  FROM (SELECT 1 AS one) AS s
  LEFT JOIN messages m ON m.id = ?
  LEFT JOIN conversations c ON c.id = ?
  LEFT JOIN participants p ON p.provider = COALESCE(c.provider, ?)
    AND p.external_id = (CASE WHEN m.direction = 'inbound' THEN m.author_id ELSE ? END)`;

/** Reads for the admin API, bots' context and pollers; health and cursors. */

export async function getConversation(db: SqlDb, id: number): Promise<Conversation | undefined> {
  const r = await db.get('SELECT * FROM conversations WHERE id = ?', [id]);
  return r ? toConversation(r) : undefined;
}

export async function scene(db: SqlDb, q: SceneQuery): Promise<Scene> {
  const presence = q.presence;
  const r = (await db.get(SCENE, [q.messageId ?? null, q.conversationId ?? null, presence?.provider ?? null, presence?.participantExternalId ?? null]))!;
  const m = unprefixed(r, 'messages', 'm');
  const c = unprefixed(r, 'conversations', 'c');
  const p = unprefixed(r, 'participants', 'p');
  return { message: m && toMessage(m), conversation: c && toConversation(c), participant: p && toParticipant(p) };
}

export async function findConversation(db: SqlDb, ref: ConversationRef): Promise<Conversation | undefined> {
  const r = await db.get('SELECT * FROM conversations WHERE provider = ? AND external_id = ?', [ref.provider, ref.externalId]);
  return r ? toConversation(r) : undefined;
}

export async function listConversations(db: SqlDb, filter: { provider?: string; limit?: number }): Promise<Conversation[]> {
  const limit = filter.limit ?? 500;
  const rows = filter.provider
    ? await db.all('SELECT * FROM conversations WHERE provider = ? ORDER BY last_message_at DESC, id DESC LIMIT ?', [filter.provider, limit])
    : await db.all('SELECT * FROM conversations ORDER BY last_message_at DESC, id DESC LIMIT ?', [limit]);
  return rows.map(toConversation);
}

export async function listMessages(db: SqlDb, conversationId: number, opts: ListMessagesOptions = {}): Promise<Message[]> {
  const limit = opts.limit ?? 1000;
  if (opts.last) {
    const rows = await db.all('SELECT * FROM messages WHERE conversation_id = ? ORDER BY order_key DESC, id DESC LIMIT ?', [conversationId, limit]);
    return rows.reverse().map(toMessage);
  }
  return (await db.all('SELECT * FROM messages WHERE conversation_id = ? ORDER BY order_key, id LIMIT ?', [conversationId, limit])).map(toMessage);
}

export async function getMessage(db: SqlDb, id: number): Promise<Message | undefined> {
  const r = await db.get('SELECT * FROM messages WHERE id = ?', [id]);
  return r ? toMessage(r) : undefined;
}

export async function findMessage(db: SqlDb, provider: string, externalId: string): Promise<Message | undefined> {
  const r = await db.get('SELECT * FROM messages WHERE provider = ? AND external_id = ?', [provider, externalId]);
  return r ? toMessage(r) : undefined;
}

export async function getParticipant(db: SqlDb, provider: string, externalId: string): Promise<Participant | undefined> {
  const r = await db.get('SELECT * FROM participants WHERE provider = ? AND external_id = ?', [provider, externalId]);
  return r ? toParticipant(r) : undefined;
}

export async function getBotState(db: SqlDb, conversationId: number, bot: string): Promise<unknown> {
  const r = await db.get<{ state: string }>('SELECT state FROM bot_state WHERE conversation_id = ? AND bot = ?', [conversationId, bot]);
  return r ? JSON.parse(r.state) : undefined;
}

export async function pendingChoices(db: SqlDb, conversationId: number): Promise<PendingChoice[]> {
  const rows = await db.all<{ bot: string; message_id: number; options: string; expires_at: string }>(
    'SELECT bot, message_id, options, expires_at FROM pending_choices WHERE conversation_id = ?',
    [conversationId],
  );
  return rows.map((r) => ({ bot: r.bot, messageId: Number(r.message_id), options: JSON.parse(r.options) as Button[], expiresAt: r.expires_at }));
}

export async function setConversationStatus(db: SqlDb, conversationId: number, status: Conversation['status']): Promise<void> {
  await db.run('UPDATE conversations SET status = ? WHERE id = ?', [status, conversationId]);
}

/** Merge flags into a conversation's address (e.g. `blocked` after the provider refused a send for good). */
export async function mergeConversationAddress(db: SqlDb, conversationId: number, patch: Record<string, unknown>): Promise<void> {
  await db.tx(async (tx) => {
    const row = await tx.get<{ address: string }>('SELECT address FROM conversations WHERE id = ?', [conversationId]);
    if (!row) return;
    const merged = JSON.stringify({ ...JSON.parse(row.address || '{}'), ...patch });
    if (merged !== row.address) await tx.run('UPDATE conversations SET address = ? WHERE id = ?', [merged, conversationId]);
  });
}

export async function health(db: SqlDb): Promise<ProviderHealth[]> {
  const stats = await db.all('SELECT * FROM provider_stats');
  const gaps = await db.all('SELECT provider, COUNT(*) AS n FROM gaps GROUP BY provider');
  const outbox = await db.all("SELECT provider, status, COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'sending', 'dead') GROUP BY provider, status");
  // The backlogs between the 200 and the reply (both read through their partial 'pending' indexes).
  // As a subquery ordered by id, so SQLite reads the partial index of pending deliveries: the plain
  // GROUP BY provider made it walk every delivery through deliveries_log (provider, id) instead.
  const unprocessed = await db.all(UNPROCESSED_BY_PROVIDER);
  const botRuns = await db.all(
    "SELECT c.provider AS provider, COUNT(*) AS n FROM dispatches d JOIN conversations c ON c.id = d.conversation_id WHERE d.status = 'pending' GROUP BY c.provider",
  );
  const byProvider = new Map<string, ProviderHealth>();
  const get = (provider: string) => {
    let h = byProvider.get(provider);
    if (!h) {
      h = {
        provider,
        deliveries: 0,
        duplicates: 0,
        gaps: 0,
        lastDeliveryAt: null,
        lastPollAt: null,
        outboxPending: 0,
        outboxDead: 0,
        unprocessed: 0,
        botRunsPending: 0,
        quarantined: 0,
        rejected: 0,
        recovered: 0,
      };
      byProvider.set(provider, h);
    }
    return h;
  };
  for (const s of stats)
    Object.assign(get(s.provider), {
      deliveries: Number(s.deliveries),
      duplicates: Number(s.duplicates),
      lastDeliveryAt: s.last_delivery_at ?? null,
      lastPollAt: s.last_poll_at ?? null,
      rejected: Number(s.rejected ?? 0),
      recovered: Number(s.recovered ?? 0),
    });
  for (const q of await quarantinedCounts(db)) get(q.provider).quarantined = q.n;
  for (const g of gaps) get(g.provider).gaps = Number(g.n);
  for (const u of unprocessed) get(u.provider).unprocessed = Number(u.n);
  for (const b of botRuns) get(b.provider).botRunsPending = Number(b.n);
  for (const o of outbox) {
    if (o.status === 'dead') get(o.provider).outboxDead += Number(o.n);
    else get(o.provider).outboxPending += Number(o.n);
  }
  return [...byProvider.values()];
}

export async function recordPoll(db: SqlDb, provider: string, at: string): Promise<void> {
  await db.run('INSERT INTO provider_stats (provider, last_poll_at) VALUES (?, ?) ON CONFLICT (provider) DO UPDATE SET last_poll_at = excluded.last_poll_at', [
    provider,
    at,
  ]);
}

export async function getCursor(db: SqlDb, key: string): Promise<string | undefined> {
  return (await db.get<{ value: string }>('SELECT value FROM cursors WHERE key = ?', [key]))?.value;
}

export async function setCursor(db: SqlDb, key: string, value: string): Promise<void> {
  await db.run('INSERT INTO cursors (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
}

/** The pending deliveries per provider (exported for the test that checks its plan). */
export const UNPROCESSED_BY_PROVIDER =
  "SELECT provider, COUNT(*) AS n FROM (SELECT provider FROM deliveries WHERE status = 'pending' ORDER BY id) pending GROUP BY provider";

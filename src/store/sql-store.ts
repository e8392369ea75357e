import type { Conversation, ConversationRef, Message, Participant } from '../model';
import { applyEvents, conversationPartition, upsertConversation, type ApplyStats } from './apply';
import { memoryLeases, sqlLeases, type Leases } from './leases';
import { toConversation, toDelivery, toDispatch, toMessage, toOutbox, toParticipant } from './rows';
import type { SqlDb, SqlRunner } from './sql';
import type {
  AppendOutcome,
  AppliedDelivery,
  CompleteDispatch,
  Dispatch,
  ListMessagesOptions,
  NewDelivery,
  NewOutbound,
  OutboxItem,
  ProviderHealth,
  Store,
  StoredDelivery,
} from './types';

const now = () => new Date().toISOString();
/** Rows per multi-row INSERT (4 parameters each: well under SQLite's and PostgreSQL's limits). */
const APPEND_CHUNK = 250;

/** The Store, written once against SqlDb; SQLite and PostgreSQL differ only in the driver. */
export class SqlStore implements Store {
  private readonly leases: Leases;

  constructor(readonly db: SqlDb) {
    this.leases = db.dialect === 'sqlite' ? memoryLeases() : sqlLeases(db.relaxed ?? db);
  }

  get dialect() {
    return this.db.dialect;
  }

  migrate() {
    return this.db.migrate();
  }

  close() {
    return this.db.close();
  }

  appendDeliveries(batch: NewDelivery[]): Promise<AppendOutcome[]> {
    return this.db.tx(async (tx) => {
      const out: AppendOutcome[] = [];
      const stats = new Map<string, { n: number; dup: number; last: string }>();
      // Many rows per INSERT: one round trip per chunk instead of one per delivery (PostgreSQL).
      // RETURNING names the rows actually inserted; the first of equal keys in a batch wins.
      for (let start = 0; start < batch.length; start += APPEND_CHUNK) {
        const chunk = batch.slice(start, start + APPEND_CHUNK);
        const rows = await tx.all<{ id: number; provider: string; dedupe_key: string }>(
          `INSERT INTO deliveries (provider, dedupe_key, payload, received_at) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}
           ON CONFLICT (provider, dedupe_key) DO NOTHING RETURNING id, provider, dedupe_key`,
          chunk.flatMap((d) => [d.provider, d.key, JSON.stringify(d.payload), d.receivedAt]),
        );
        const inserted = new Map(rows.map((r) => [`${r.provider}\u0000${r.dedupe_key}`, Number(r.id)]));
        for (const d of chunk) {
          const k = `${d.provider}\u0000${d.key}`;
          const id = inserted.get(k);
          inserted.delete(k);
          const s = stats.get(d.provider) ?? { n: 0, dup: 0, last: d.receivedAt };
          if (id !== undefined) s.n++;
          else s.dup++;
          if (d.receivedAt > s.last) s.last = d.receivedAt;
          stats.set(d.provider, s);
          out.push(id !== undefined ? { id, duplicate: false } : { duplicate: true });
        }
      }
      for (const [provider, s] of stats) {
        await tx.run(
          `INSERT INTO provider_stats (provider, deliveries, duplicates, last_delivery_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (provider) DO UPDATE SET deliveries = provider_stats.deliveries + excluded.deliveries,
             duplicates = provider_stats.duplicates + excluded.duplicates, last_delivery_at = excluded.last_delivery_at`,
          [provider, s.n, s.dup, s.last],
        );
      }
      return out;
    });
  }

  async pendingDeliveries(limit: number, afterId: number): Promise<StoredDelivery[]> {
    const rows = await this.db.all(
      "SELECT id, provider, dedupe_key, payload, received_at FROM deliveries WHERE status = 'pending' AND id > ? ORDER BY id LIMIT ?",
      [afterId, limit],
    );
    return rows.map(toDelivery);
  }

  applyDeliveries(results: AppliedDelivery[]): Promise<ApplyStats> {
    return this.db.tx(async (tx) => {
      const stats: ApplyStats = { dispatches: 0, unknownStatuses: [] };
      await this.applyWith(tx, results, stats);
      return stats;
    });
  }

  private async applyWith(tx: SqlRunner, results: AppliedDelivery[], stats: ApplyStats): Promise<void> {
    for (const r of results) {
      if ('error' in r) {
        await tx.run("UPDATE deliveries SET status = 'failed', error = ? WHERE id = ?", [r.error, r.deliveryId]);
        continue;
      }
      await applyEvents(tx, r.deliveryId, r.events, stats);
      await tx.run("UPDATE deliveries SET status = 'processed' WHERE id = ?", [r.deliveryId]);
    }
  }

  /**
   * Applying is serialized across instances (an advisory lock on PostgreSQL; SQLite has one
   * writer anyway), so deliveries are applied in the order they were stored whichever instance
   * received them, and two instances never contend row by row over the same batch.
   */
  processDeliveries(limit: number, normalize: (d: StoredDelivery) => AppliedDelivery): Promise<{ count: number; stats: ApplyStats }> {
    return this.db.tx(async (tx) => {
      if (this.db.dialect === 'postgres') await tx.get("SELECT pg_advisory_xact_lock(hashtext('switchboard.process:' || current_schema()))");
      const rows = await tx.all("SELECT id, provider, dedupe_key, payload, received_at FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT ?", [limit]);
      const stats: ApplyStats = { dispatches: 0, unknownStatuses: [] };
      await this.applyWith(tx, rows.map(toDelivery).map(normalize), stats);
      return { count: rows.length, stats };
    });
  }

  async pendingPartitions(limit: number, owner?: string): Promise<string[]> {
    if (owner === undefined || this.leases.heldByOther) {
      const rows = await this.db.all("SELECT DISTINCT partition FROM dispatches WHERE status = 'pending' LIMIT ?", [limit]);
      return rows.map((r) => r.partition).filter((p) => owner === undefined || !this.leases.heldByOther!(p, owner));
    }
    // Skip partitions another live instance is running, so a busy peer cannot starve this one.
    const rows = await this.db.all(
      `SELECT DISTINCT d.partition FROM dispatches d
       LEFT JOIN partition_leases l ON l.partition = d.partition AND l.owner <> ? AND l.expires_at >= ?
       WHERE d.status = 'pending' AND l.partition IS NULL LIMIT ?`,
      [owner, now(), limit],
    );
    return rows.map((r) => r.partition);
  }

  claimPartition(partition: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.leases.claim(partition, owner, ttlMs);
  }

  renewPartition(partition: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.leases.renew(partition, owner, ttlMs);
  }

  releasePartition(partition: string, owner: string): Promise<void> {
    return this.leases.release(partition, owner);
  }

  async nextDispatch(partition: string): Promise<Dispatch | undefined> {
    const r = await this.db.get("SELECT * FROM dispatches WHERE partition = ? AND status = 'pending' ORDER BY order_key, id LIMIT 1", [partition]);
    return r ? toDispatch(r) : undefined;
  }

  completeDispatch(done: CompleteDispatch): Promise<{ outbox: number }> {
    return this.db.tx(async (tx) => {
      const updated = await tx.run("UPDATE dispatches SET status = 'done' WHERE id = ? AND status = 'pending'", [done.dispatchId]);
      if (updated.changes === 0) return { outbox: 0 }; // completed elsewhere: never enqueue replies twice
      for (const o of done.outbound) await this.enqueueOutbound(tx, o);
      for (const s of done.state ?? []) {
        await tx.run('INSERT INTO bot_state (conversation_id, bot, state) VALUES (?, ?, ?) ON CONFLICT (conversation_id, bot) DO UPDATE SET state = excluded.state', [
          s.conversationId,
          s.bot,
          JSON.stringify(s.value ?? null),
        ]);
      }
      for (const c of done.conversationStatus ?? []) {
        await tx.run('UPDATE conversations SET status = ? WHERE id = ?', [c.status, c.conversationId]);
      }
      return { outbox: done.outbound.length };
    });
  }

  private async enqueueOutbound(tx: SqlRunner, o: NewOutbound): Promise<void> {
    const at = now();
    const conversationId = 'id' in o.conversation ? o.conversation.id : await upsertConversation(tx, o.conversation);
    const conv = await tx.get<{ provider: string }>('SELECT provider FROM conversations WHERE id = ?', [conversationId]);
    if (!conv) throw new Error(`conversation ${conversationId} does not exist`);
    let orderKey = o.afterOrderKey;
    if (orderKey === undefined) {
      const max = await tx.get<{ k: number | null }>('SELECT MAX(order_key) AS k FROM messages WHERE conversation_id = ?', [conversationId]);
      orderKey = Number(max?.k ?? 0);
    }
    const msg = await tx.get<{ id: number }>(
      `INSERT INTO messages (conversation_id, provider, external_id, direction, author_id, author_name, author_role, kind, text, media,
                             sent_at, status, order_key, reply_to, meta, created_at)
       VALUES (?, ?, NULL, 'outbound', 'switchboard', ?, 'bot', ?, ?, ?, ?, 'pending', ?, ?, ?, ?) RETURNING id`,
      [
        conversationId,
        conv.provider,
        o.authorName ?? null,
        o.message.media && !o.message.text ? 'file' : 'text',
        o.message.text ?? null,
        o.message.media ? JSON.stringify(o.message.media) : null,
        at,
        orderKey,
        o.message.replyToExternalId ?? null,
        o.meta ? JSON.stringify(o.meta) : null,
        at,
      ],
    );
    await tx.run('INSERT INTO outbox (conversation_id, provider, message_id, body, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      conversationId,
      conv.provider,
      Number(msg!.id),
      JSON.stringify(o.message),
      at,
      at,
    ]);
    await tx.run('UPDATE conversations SET last_message_at = ? WHERE id = ?', [at, conversationId]);
  }

  async failDispatch(id: number, error: string, giveUp: boolean): Promise<void> {
    await this.db.run(`UPDATE dispatches SET attempts = attempts + 1, status = CASE WHEN ? = 1 THEN 'failed' ELSE status END WHERE id = ?`, [
      giveUp ? 1 : 0,
      id,
    ]);
    void error;
  }

  async dueOutbox(at: string, limit: number): Promise<OutboxItem[]> {
    // Only the head of each conversation's queue: a later reply never overtakes one waiting for a retry.
    const rows = await this.db.all(
      `SELECT * FROM outbox o WHERE o.status = 'pending' AND o.next_attempt_at <= ?
         AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.conversation_id = o.conversation_id AND p.status IN ('pending', 'sending') AND p.id < o.id)
       ORDER BY o.id LIMIT ?`,
      [at, limit],
    );
    return rows.map(toOutbox);
  }

  async nextOutboxAt(): Promise<string | undefined> {
    const r = await this.db.get<{ at: string | null }>("SELECT MIN(next_attempt_at) AS at FROM outbox WHERE status = 'pending'");
    return r?.at ?? undefined;
  }

  /**
   * Sends a stop interrupted: they may or may not have reached the provider (the outbox asks it).
   * Not this instance's own sends, and on PostgreSQL only rows whose owner no longer holds the
   * conversation's outbox lease (it died): another live instance's send is not interrupted.
   * SQLite has a single process, so every other owner's `sending` row is from a stopped one.
   */
  async outboxInterrupted(owner = ''): Promise<OutboxItem[]> {
    const rows =
      this.db.dialect === 'sqlite'
        ? await this.db.all("SELECT * FROM outbox WHERE status = 'sending' AND (claimed_by IS NULL OR claimed_by <> ?) ORDER BY id", [owner])
        : await this.db.all(
            `SELECT o.* FROM outbox o WHERE o.status = 'sending' AND (o.claimed_by IS NULL OR o.claimed_by <> ?)
               AND NOT EXISTS (SELECT 1 FROM partition_leases l WHERE l.partition = 'o:' || o.conversation_id AND l.owner = o.claimed_by AND l.expires_at >= ?)
             ORDER BY o.id`,
            [owner, now()],
          );
    return rows.map(toOutbox);
  }

  /**
   * Claims a pending item for one send; false when it is no longer pending (another instance took
   * it). next_attempt_at becomes the attempt time, so recovery knows since when to look for it.
   */
  async outboxMarkSending(id: number, owner = ''): Promise<boolean> {
    const res = await this.db.run("UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_by = ?, next_attempt_at = ? WHERE id = ? AND status = 'pending'", [
      owner,
      now(),
      id,
    ]);
    return res.changes > 0;
  }

  outboxMarkSent(id: number, result: { externalId?: string; orderKey?: number; at: string }): Promise<void> {
    return this.db.tx(async (tx) => {
      const item = await tx.get<{ message_id: number; provider: string }>('SELECT message_id, provider FROM outbox WHERE id = ?', [id]);
      if (!item) return;
      await tx.run("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?", [result.at, id]);
      if (result.externalId !== undefined) {
        // The provider may have echoed our own message by webhook before its API answered: fold the echo in.
        const echo = await tx.get<{ id: number; status: string }>('SELECT id, status FROM messages WHERE provider = ? AND external_id = ? AND id <> ?', [
          item.provider,
          result.externalId,
          item.message_id,
        ]);
        if (echo) await tx.run('DELETE FROM messages WHERE id = ?', [echo.id]);
        const status = echo && echo.status !== 'received' && echo.status !== 'pending' ? echo.status : 'sent';
        await tx.run('UPDATE messages SET external_id = ?, status = ?, sent_at = ?, order_key = COALESCE(?, order_key) WHERE id = ?', [
          result.externalId,
          status,
          result.at,
          result.orderKey ?? null,
          item.message_id,
        ]);
      } else {
        await tx.run("UPDATE messages SET status = 'sent', sent_at = ? WHERE id = ?", [result.at, item.message_id]);
      }
    });
  }

  async outboxMarkRetry(id: number, error: string, nextAttemptAt: string): Promise<void> {
    await this.db.run("UPDATE outbox SET status = 'pending', last_error = ?, next_attempt_at = ? WHERE id = ?", [error, nextAttemptAt, id]);
  }

  outboxMarkDead(id: number, error: string): Promise<void> {
    return this.db.tx(async (tx) => {
      await tx.run("UPDATE outbox SET status = 'dead', last_error = ? WHERE id = ?", [error, id]);
      await tx.run("UPDATE messages SET status = 'failed' WHERE id = (SELECT message_id FROM outbox WHERE id = ?)", [id]);
    });
  }

  outboxRequeueDead(ids?: number[]): Promise<number> {
    return this.db.tx(async (tx) => {
      const rows = await tx.all<{ id: number; message_id: number }>("SELECT id, message_id FROM outbox WHERE status = 'dead'");
      const chosen = ids ? rows.filter((r) => ids.includes(Number(r.id))) : rows;
      for (const r of chosen) {
        await tx.run("UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = NULL WHERE id = ?", [now(), r.id]);
        await tx.run("UPDATE messages SET status = 'pending' WHERE id = ?", [r.message_id]);
      }
      return chosen.length;
    });
  }

  async listDeadLetters(): Promise<OutboxItem[]> {
    return (await this.db.all("SELECT * FROM outbox WHERE status = 'dead' ORDER BY id")).map(toOutbox);
  }

  async getConversation(id: number): Promise<Conversation | undefined> {
    const r = await this.db.get('SELECT * FROM conversations WHERE id = ?', [id]);
    return r ? toConversation(r) : undefined;
  }

  async findConversation(ref: ConversationRef): Promise<Conversation | undefined> {
    const r = await this.db.get('SELECT * FROM conversations WHERE provider = ? AND external_id = ?', [ref.provider, ref.externalId]);
    return r ? toConversation(r) : undefined;
  }

  async listConversations(filter: { provider?: string; limit?: number }): Promise<Conversation[]> {
    const limit = filter.limit ?? 500;
    const rows = filter.provider
      ? await this.db.all('SELECT * FROM conversations WHERE provider = ? ORDER BY last_message_at DESC, id DESC LIMIT ?', [filter.provider, limit])
      : await this.db.all('SELECT * FROM conversations ORDER BY last_message_at DESC, id DESC LIMIT ?', [limit]);
    return rows.map(toConversation);
  }

  async listMessages(conversationId: number, opts: ListMessagesOptions = {}): Promise<Message[]> {
    const limit = opts.limit ?? 1000;
    if (opts.last) {
      const rows = await this.db.all('SELECT * FROM messages WHERE conversation_id = ? ORDER BY order_key DESC, id DESC LIMIT ?', [conversationId, limit]);
      return rows.reverse().map(toMessage);
    }
    return (await this.db.all('SELECT * FROM messages WHERE conversation_id = ? ORDER BY order_key, id LIMIT ?', [conversationId, limit])).map(toMessage);
  }

  async getMessage(id: number): Promise<Message | undefined> {
    const r = await this.db.get('SELECT * FROM messages WHERE id = ?', [id]);
    return r ? toMessage(r) : undefined;
  }

  async findMessage(provider: string, externalId: string): Promise<Message | undefined> {
    const r = await this.db.get('SELECT * FROM messages WHERE provider = ? AND external_id = ?', [provider, externalId]);
    return r ? toMessage(r) : undefined;
  }

  async getParticipant(provider: string, externalId: string): Promise<Participant | undefined> {
    const r = await this.db.get('SELECT * FROM participants WHERE provider = ? AND external_id = ?', [provider, externalId]);
    return r ? toParticipant(r) : undefined;
  }

  async getBotState(conversationId: number, bot: string): Promise<unknown> {
    const r = await this.db.get<{ state: string }>('SELECT state FROM bot_state WHERE conversation_id = ? AND bot = ?', [conversationId, bot]);
    return r ? JSON.parse(r.state) : undefined;
  }

  async setConversationStatus(conversationId: number, status: Conversation['status']): Promise<void> {
    await this.db.run('UPDATE conversations SET status = ? WHERE id = ?', [status, conversationId]);
  }

  async health(): Promise<ProviderHealth[]> {
    const stats = await this.db.all('SELECT * FROM provider_stats');
    const gaps = await this.db.all('SELECT provider, COUNT(*) AS n FROM gaps GROUP BY provider');
    const outbox = await this.db.all("SELECT provider, status, COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'sending', 'dead') GROUP BY provider, status");
    const byProvider = new Map<string, ProviderHealth>();
    const get = (provider: string) => {
      let h = byProvider.get(provider);
      if (!h) {
        h = { provider, deliveries: 0, duplicates: 0, gaps: 0, lastDeliveryAt: null, lastPollAt: null, outboxPending: 0, outboxDead: 0 };
        byProvider.set(provider, h);
      }
      return h;
    };
    for (const s of stats) Object.assign(get(s.provider), { deliveries: Number(s.deliveries), duplicates: Number(s.duplicates), lastDeliveryAt: s.last_delivery_at ?? null, lastPollAt: s.last_poll_at ?? null });
    for (const g of gaps) get(g.provider).gaps = Number(g.n);
    for (const o of outbox) {
      if (o.status === 'dead') get(o.provider).outboxDead += Number(o.n);
      else get(o.provider).outboxPending += Number(o.n);
    }
    return [...byProvider.values()];
  }

  async recordPoll(provider: string, at: string): Promise<void> {
    await this.db.run(
      'INSERT INTO provider_stats (provider, last_poll_at) VALUES (?, ?) ON CONFLICT (provider) DO UPDATE SET last_poll_at = excluded.last_poll_at',
      [provider, at],
    );
  }

  async getCursor(key: string): Promise<string | undefined> {
    return (await this.db.get<{ value: string }>('SELECT value FROM cursors WHERE key = ?', [key]))?.value;
  }

  async setCursor(key: string, value: string): Promise<void> {
    await this.db.run('INSERT INTO cursors (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }
}

export { conversationPartition };

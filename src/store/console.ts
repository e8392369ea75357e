import type { Conversation } from '../model';
import * as reads from './console-reads';
import * as ops from './operators';
import { enqueueOutbound } from './outbox';
import { toOutbox } from './rows';
import { SqlStore } from './sql-store';
import type { SqlDb } from './sql';
import type { OutboxItem, Store } from './types';

/**
 * The store as the operator console uses it (src/console/): operators, sessions, the audit log,
 * claims and its reads, over the same database as the Store (its own tables: migration 008).
 * Kept beside the Store rather than in it: nothing in the pipeline needs any of this.
 */

export interface Claim {
  conversationId: number;
  operatorId: number;
  operatorName: string;
  claimedAt: string;
}

export class ConsoleStore {
  constructor(readonly db: SqlDb) {}

  addOperator = (o: Parameters<typeof ops.addOperator>[1]) => ops.addOperator(this.db, o);
  listOperators = () => ops.listOperators(this.db);
  findOperator = (name: string) => ops.findOperator(this.db, name);
  removeOperator = (name: string) => ops.removeOperator(this.db, name);
  setOperatorPassword = (name: string, hash: string) => ops.setOperatorPassword(this.db, name, hash);
  createSession = (s: Parameters<typeof ops.createSession>[1]) => ops.createSession(this.db, s);
  useSession = (id: string, idleSince: string) => ops.useSession(this.db, id, idleSince);
  endSession = (id: string) => ops.endSession(this.db, id);
  pruneSessions = (idleSince: string, windowSince: string) => ops.pruneSessions(this.db, idleSince, windowSince);
  countLoginFailure = (key: string, windowSince: string) => ops.countLoginFailure(this.db, key, windowSince);
  loginFailures = (key: string, windowSince: string) => ops.loginFailures(this.db, key, windowSince);
  clearLoginFailures = (key: string) => ops.clearLoginFailures(this.db, key);
  audit = (e: Parameters<typeof ops.audit>[1]) => ops.audit(this.db, e);
  listAudit = (q: Parameters<typeof ops.listAudit>[1]) => ops.listAudit(this.db, q);

  listConversations = (q: reads.ConversationQuery) => reads.listConversationRows(this.db, q);
  timeline = (id: number) => reads.timeline(this.db, id);
  handoffInbox = (limit: number) => reads.handoffInbox(this.db, limit);
  changesSince = (after: { message: number; audit: number }) => reads.changesSince(this.db, after);
  latestIds = () => reads.latestIds(this.db);
  activity = (since: string) => reads.activity(this.db, since);

  /**
   * The operator takes the conversation: `force` takes it from another operator. Returns the claim
   * that holds afterwards (another operator's when they had it and `force` was not given).
   */
  async claim(conversationId: number, operator: { id: number; name: string }, force = false): Promise<Claim> {
    const at = new Date().toISOString();
    const sql = force
      ? `INSERT INTO conversation_claims (conversation_id, operator_id, operator_name, claimed_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (conversation_id) DO UPDATE SET operator_id = excluded.operator_id, operator_name = excluded.operator_name, claimed_at = excluded.claimed_at`
      : 'INSERT INTO conversation_claims (conversation_id, operator_id, operator_name, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id) DO NOTHING';
    await this.db.run(sql, [conversationId, operator.id, operator.name, at]);
    const r = (await this.db.get('SELECT * FROM conversation_claims WHERE conversation_id = ?', [conversationId]))!;
    return { conversationId, operatorId: Number(r.operator_id), operatorName: r.operator_name, claimedAt: r.claimed_at };
  }

  async releaseClaim(conversationId: number): Promise<void> {
    await this.db.run('DELETE FROM conversation_claims WHERE conversation_id = ?', [conversationId]);
  }

  /** Status `handoff` silences the bots (as the handoff bot's Telegram operators do); `open` hands back and ends the claim. */
  setStatus(conversationId: number, status: Conversation['status']): Promise<void> {
    return this.db.tx(async (tx) => {
      await tx.run('UPDATE conversations SET status = ? WHERE id = ?', [status, conversationId]);
      if (status === 'open') await tx.run('DELETE FROM conversation_claims WHERE conversation_id = ?', [conversationId]);
    });
  }

  /**
   * A person's message to the customer: through the outbox like a bot's reply, with role
   * `operator` and their name. `copy`: the same words to another conversation in the same
   * transaction (the handoff bot's Telegram operator chat), carrying the customer conversation in
   * `meta.handoff` as the handoff bot's own forwards do, so a Telegram reply to it reaches the customer.
   */
  writeAsOperator(
    conversationId: number,
    operator: { id: number | null; name: string },
    text: string,
    copy?: { to: { provider: string; externalId: string }; text: string },
  ): Promise<OutboxItem> {
    return this.db.tx(async (tx) => {
      const item = await enqueueOutbound(tx, {
        conversation: { id: conversationId },
        message: { text },
        authorName: operator.name,
        meta: { operator: operator.name },
      });
      await tx.run("UPDATE messages SET author_role = 'operator', author_id = ? WHERE id = ?", [`operator:${operator.id ?? operator.name}`, item.messageId]);
      if (copy)
        await enqueueOutbound(tx, { conversation: copy.to, message: { text: copy.text }, authorName: 'console', meta: { handoff: { conversationId } } });
      return item;
    });
  }

  /** A note to another conversation through the outbox (the Telegram operator chat), tagged with the customer conversation. */
  async tell(to: { provider: string; externalId: string }, text: string, conversationId: number): Promise<void> {
    await this.db.tx((tx) => enqueueOutbound(tx, { conversation: to, message: { text }, authorName: 'console', meta: { handoff: { conversationId } } }));
  }

  /** The newest dead letters, at most `limit` (read by the outbox's status index). */
  async deadLetters(limit: number): Promise<OutboxItem[]> {
    return (await this.db.all("SELECT * FROM outbox WHERE status = 'dead' ORDER BY id DESC LIMIT ?", [limit])).map(toOutbox);
  }

  /** Those of `ids` that are dead letters. */
  async deadLettersAmong(ids: number[]): Promise<OutboxItem[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.all(`SELECT * FROM outbox WHERE status = 'dead' AND id IN (${ids.map(() => '?').join(', ')})`, ids);
    return rows.map(toOutbox);
  }

  /** A dead letter given up on: out of the dead-letter list, its message stays `failed`. */
  async discardDeadLetter(id: number): Promise<boolean> {
    return (await this.db.run("UPDATE outbox SET status = 'discarded' WHERE id = ? AND status = 'dead'", [id])).changes > 0;
  }

  /** A dead letter sent again with new text. */
  editDeadLetter(id: number, text: string): Promise<boolean> {
    return this.db.tx(async (tx) => {
      const r = await tx.get<{ message_id: number; body: string }>("SELECT message_id, body FROM outbox WHERE id = ? AND status = 'dead'", [id]);
      if (!r) return false;
      const body = { ...JSON.parse(r.body), text };
      await tx.run("UPDATE outbox SET status = 'pending', body = ?, next_attempt_at = ?, last_error = NULL, maybe_delivered = 0 WHERE id = ?", [
        JSON.stringify(body),
        new Date().toISOString(),
        id,
      ]);
      await tx.run("UPDATE messages SET status = 'pending', text = ? WHERE id = ?", [text, r.message_id]);
      return true;
    });
  }
}

/** The console's view of a store opened by openStore (both dialects are a SqlStore). */
export function consoleStoreOf(store: Store): ConsoleStore {
  if (!(store instanceof SqlStore)) throw new Error('the operator console needs the SQL store (SQLite or PostgreSQL)');
  return new ConsoleStore(store.db);
}

import type { SqlDb } from './sql';

/**
 * The console's people: operator accounts, their sessions, failed sign-ins and the audit log of
 * what they did. Hashing and tokens are the console's business (src/console/); these are rows.
 */

export type OperatorRole = 'admin' | 'operator';
export const OPERATOR_ROLES: readonly OperatorRole[] = ['admin', 'operator'];

export interface Operator {
  id: number;
  name: string;
  role: OperatorRole;
  createdAt: string;
}

export interface OperatorSession {
  operator: Operator;
  csrf: string;
  createdAt: string;
  lastSeenAt: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  operatorId: number | null;
  operatorName: string;
  action: string;
  conversationId: number | null;
  detail: Record<string, unknown> | null;
}

const toOperator = (r: any): Operator => ({ id: Number(r.id), name: r.name, role: r.role, createdAt: r.created_at });

export async function addOperator(db: SqlDb, o: { name: string; role: OperatorRole; passwordHash: string }): Promise<Operator> {
  const r = await db.get('INSERT INTO operators (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING *', [
    o.name,
    o.role,
    o.passwordHash,
    new Date().toISOString(),
  ]);
  return toOperator(r);
}

export async function listOperators(db: SqlDb): Promise<Operator[]> {
  return (await db.all('SELECT id, name, role, created_at FROM operators ORDER BY name')).map(toOperator);
}

export async function findOperator(db: SqlDb, name: string): Promise<(Operator & { passwordHash: string }) | undefined> {
  const r = await db.get('SELECT * FROM operators WHERE name = ?', [name]);
  return r ? { ...toOperator(r), passwordHash: r.password_hash } : undefined;
}

/** Removes the account and signs it out everywhere. */
export function removeOperator(db: SqlDb, name: string): Promise<boolean> {
  return db.tx(async (tx) => {
    const r = await tx.get<{ id: number }>('SELECT id FROM operators WHERE name = ?', [name]);
    if (!r) return false;
    await tx.run('DELETE FROM operator_sessions WHERE operator_id = ?', [r.id]);
    await tx.run('DELETE FROM conversation_claims WHERE operator_id = ?', [r.id]);
    await tx.run('DELETE FROM operators WHERE id = ?', [r.id]);
    return true;
  });
}

/** A new password ends every session the old one opened. */
export function setOperatorPassword(db: SqlDb, name: string, passwordHash: string): Promise<boolean> {
  return db.tx(async (tx) => {
    const r = await tx.get<{ id: number }>('UPDATE operators SET password_hash = ? WHERE name = ? RETURNING id', [passwordHash, name]);
    if (!r) return false;
    await tx.run('DELETE FROM operator_sessions WHERE operator_id = ?', [r.id]);
    return true;
  });
}

export async function createSession(db: SqlDb, s: { id: string; operatorId: number; csrf: string }): Promise<void> {
  const at = new Date().toISOString();
  await db.run('INSERT INTO operator_sessions (id, operator_id, csrf, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)', [s.id, s.operatorId, s.csrf, at, at]);
}

/**
 * The session with this id when it was used after `idleSince`; using it moves its last use to
 * now (at most once a `touchEveryMs`, so reads are not each a write).
 */
export async function useSession(db: SqlDb, id: string, idleSince: string, touchEveryMs = 30_000): Promise<OperatorSession | undefined> {
  const r = await db.get(
    `SELECT s.csrf, s.created_at AS s_created_at, s.last_seen_at, o.id, o.name, o.role, o.created_at
       FROM operator_sessions s JOIN operators o ON o.id = s.operator_id WHERE s.id = ?`,
    [id],
  );
  if (!r) return undefined;
  if (r.last_seen_at < idleSince) {
    await db.run('DELETE FROM operator_sessions WHERE id = ?', [id]);
    return undefined;
  }
  const now = new Date();
  if (now.getTime() - Date.parse(r.last_seen_at) > touchEveryMs) {
    await db.run('UPDATE operator_sessions SET last_seen_at = ? WHERE id = ?', [now.toISOString(), id]);
  }
  return { operator: toOperator(r), csrf: r.csrf, createdAt: r.s_created_at, lastSeenAt: r.last_seen_at };
}

export async function endSession(db: SqlDb, id: string): Promise<void> {
  await db.run('DELETE FROM operator_sessions WHERE id = ?', [id]);
}

/** Sessions idle since before `idleSince` (they would be refused anyway) and failure windows that are over. */
export async function pruneSessions(db: SqlDb, idleSince: string, windowSince: string): Promise<number> {
  await db.run('DELETE FROM login_failures WHERE window_started_at < ?', [windowSince]);
  return (await db.run('DELETE FROM operator_sessions WHERE last_seen_at < ?', [idleSince])).changes;
}

/** Failed sign-ins counted under `key` in the window that started after `windowSince` (an older window starts over). */
export async function countLoginFailure(db: SqlDb, key: string, windowSince: string): Promise<number> {
  const at = new Date().toISOString();
  const r = await db.get<{ failures: number }>(
    `INSERT INTO login_failures (key, failures, window_started_at) VALUES (?, 1, ?)
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN login_failures.window_started_at < ? THEN 1 ELSE login_failures.failures + 1 END,
       window_started_at = CASE WHEN login_failures.window_started_at < ? THEN excluded.window_started_at ELSE login_failures.window_started_at END
     RETURNING failures`,
    [key, at, windowSince, windowSince],
  );
  return Number(r?.failures ?? 1);
}

export async function loginFailures(db: SqlDb, key: string, windowSince: string): Promise<{ failures: number; windowStartedAt: string } | undefined> {
  const r = await db.get('SELECT failures, window_started_at FROM login_failures WHERE key = ? AND window_started_at >= ?', [key, windowSince]);
  return r ? { failures: Number(r.failures), windowStartedAt: r.window_started_at } : undefined;
}

export async function clearLoginFailures(db: SqlDb, key: string): Promise<void> {
  await db.run('DELETE FROM login_failures WHERE key = ?', [key]);
}

export async function audit(
  db: SqlDb,
  e: { operatorId: number | null; operatorName: string; action: string; conversationId?: number | null; detail?: Record<string, unknown> },
): Promise<void> {
  await db.run('INSERT INTO audit_log (at, operator_id, operator_name, action, conversation_id, detail) VALUES (?, ?, ?, ?, ?, ?)', [
    new Date().toISOString(),
    e.operatorId,
    e.operatorName,
    e.action,
    e.conversationId ?? null,
    e.detail ? JSON.stringify(e.detail) : null,
  ]);
}

/** Newest first, a page at a time (`beforeId`); of one conversation when given. */
export async function listAudit(db: SqlDb, q: { limit: number; beforeId?: number; conversationId?: number }): Promise<AuditEntry[]> {
  const where: string[] = [];
  const params: (number | string)[] = [];
  if (q.beforeId !== undefined) {
    where.push('id < ?');
    params.push(q.beforeId);
  }
  if (q.conversationId !== undefined) {
    where.push('conversation_id = ?');
    params.push(q.conversationId);
  }
  const rows = await db.all(`SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`, [...params, q.limit]);
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at,
    operatorId: r.operator_id == null ? null : Number(r.operator_id),
    operatorName: r.operator_name,
    action: r.action,
    conversationId: r.conversation_id == null ? null : Number(r.conversation_id),
    detail: r.detail ? JSON.parse(r.detail) : null,
  }));
}

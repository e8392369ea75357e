import type { SqlDb } from './sql';
import type { OutboxAttempt } from './types';

/** An outbox item keeps its last this many send attempts (the count of all is `attempts`). */
export const ATTEMPT_LOG_CAP = 10;

/**
 * The SET clause that appends one attempt to outbox.attempt_log, its JSON text the one parameter.
 * Done in the statement that marks the item sent, retried or dead: no extra round trip.
 */
export function appendAttemptSql(db: Pick<SqlDb, 'forms'>): string {
  const expr = db.forms?.appendCapped?.('attempt_log', ATTEMPT_LOG_CAP) ?? jsonOneAppend('attempt_log', ATTEMPT_LOG_CAP);
  return `attempt_log = ${expr}`;
}

export function attemptJson(a: OutboxAttempt): string {
  return JSON.stringify(a);
}

/** SQLite's form: one element is appended at a time, so dropping the first keeps `cap`. */
function jsonOneAppend(column: string, cap: number): string {
  const a = `COALESCE(${column}, '[]')`;
  return `json_insert(CASE WHEN json_array_length(${a}) >= ${cap} THEN json_remove(${a}, '$[0]') ELSE ${a} END, '$[#]', json(?))`;
}

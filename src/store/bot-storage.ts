import { chunks } from './chunks';
import type { SqlDb } from './sql';

/** A bot's own keys and values (bot_storage): the knowledge index, budget counters, warnings for /api/health. */

const now = () => new Date().toISOString();

export async function botStorageGet(db: SqlDb, bot: string, keys: string[]): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const part of chunks([...new Set(keys)])) {
    const rows = await db.all<{ key: string; value: string }>(
      `SELECT key, value FROM bot_storage WHERE bot = ? AND key IN (${part.map(() => '?').join(', ')})`,
      [bot, ...part],
    );
    for (const r of rows) out.set(r.key, JSON.parse(r.value));
  }
  return out;
}

export async function botStoragePut(db: SqlDb, bot: string, entries: [string, unknown][]): Promise<void> {
  if (entries.length === 0) return;
  await db.tx(async (tx) => {
    const at = now();
    for (const part of chunks(entries)) {
      await tx.run(
        `INSERT INTO bot_storage (bot, key, value, updated_at) VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')}
         ON CONFLICT (bot, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        part.flatMap(([k, v]) => [bot, k, JSON.stringify(v), at]),
      );
    }
  });
}

/** Add n to a counter and return its new value, in one statement (several instances may count at once). */
export async function botStorageAdd(db: SqlDb, bot: string, key: string, n: number): Promise<number> {
  const row = await db.get<{ value: string }>(
    `INSERT INTO bot_storage (bot, key, value, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (bot, key) DO UPDATE SET value = CAST(CAST(bot_storage.value AS INTEGER) + CAST(excluded.value AS INTEGER) AS TEXT), updated_at = excluded.updated_at
     RETURNING value`,
    [bot, key, String(n), now()],
  );
  return Number(row?.value ?? n);
}

/** Warnings bots recorded since `since` (keys "warning:…"), for /api/health. */
export async function botWarnings(db: SqlDb, since: string): Promise<{ bot: string; message: string; at: string }[]> {
  const rows = await db.all<{ bot: string; value: string; updated_at: string }>(
    "SELECT bot, value, updated_at FROM bot_storage WHERE key LIKE 'warning:%' AND updated_at >= ? ORDER BY updated_at DESC LIMIT 50",
    [since],
  );
  return rows.map((r) => ({ bot: r.bot, message: String(JSON.parse(r.value)), at: r.updated_at }));
}

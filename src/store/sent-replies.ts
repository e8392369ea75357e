import type { SqlRunner } from './sql';

/**
 * The provider ids of a conversation's replies that are marked sent, ordered above `afterOrderKey`
 * (a sent reply's order key is the provider's, e.g. WAMM's msg_id). Recovery of an interrupted
 * send matches a provider message to at most one outbox item: these are already someone's.
 */
export async function sentReplyIds(db: SqlRunner, conversationId: number, afterOrderKey: number): Promise<string[]> {
  const rows = await db.all<{ external_id: string }>(
    `SELECT m.external_id FROM messages m JOIN outbox o ON o.message_id = m.id
      WHERE m.conversation_id = ? AND m.order_key > ? AND m.external_id IS NOT NULL AND o.status = 'sent'`,
    [conversationId, afterOrderKey],
  );
  return rows.map((r) => String(r.external_id));
}

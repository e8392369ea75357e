import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log';
import { Outbox } from '../../src/pipeline/outbox';
import { Pacer } from '../../src/pipeline/pacing';
import type { ProviderClient } from '../../src/providers/types';
import { createSqliteStore } from '../../src/store/sqlite';
import { eventually } from '../helpers/process';

/** The outbox on a real (in-memory) store, with a recording client and the idle rescan an hour away. */
describe('Outbox timers', () => {
  it('looks again shortly at a conversation another sender held, even when a scan found nothing else due', async () => {
    const store = createSqliteStore(':memory:');
    await store.migrate();
    const log = createLogger({ level: 'error', secrets: [] });
    const sent: string[] = [];
    const client: ProviderClient = { send: async (_c, m) => (sent.push(m.text ?? ''), { externalId: `out-${sent.length}` }) };
    const lease = { owner: 'me', ttlMs: 60_000 };
    const outbox = new Outbox(store, new Map([['telegram', client]]), new Pacer(new Map()), log, { idleScanMs: 3_600_000, lease });
    try {
      const at = new Date().toISOString();
      const [d] = await store.appendDeliveries([{ provider: 'telegram', key: 'k', payload: {}, receivedAt: at }]);
      const message = {
        type: 'message' as const,
        conversation: { provider: 'telegram', externalId: '42' },
        externalId: '42:1',
        direction: 'inbound' as const,
        author: { externalId: 'u', role: 'user' as const },
        kind: 'text' as const,
        text: 'hi',
        sentAt: at,
        status: 'received' as const,
        orderKey: 1,
        dispatch: true,
      };
      const stats = await store.applyDeliveries([{ deliveryId: d!.id!, provider: 'telegram', events: [message] }]);
      const next = (await store.nextDispatch([...stats.partitions][0]!))!;
      await store.completeDispatch({ dispatchId: next.id, outbound: [{ conversation: { id: next.conversationId! }, message: { text: 'reply' } }] });
      // Another instance is sending this conversation's replies when the scan finds ours.
      expect(await store.claimPartition(`o:${next.conversationId}`, 'other', 60_000)).toBe(true);
      outbox.kick();
      await new Promise((r) => setTimeout(r, 100));
      expect(sent).toEqual([]);
      await store.releasePartition(`o:${next.conversationId}`, 'other');
      // Looked at again within 250 ms, not when the hour-long idle timer fires.
      await eventually(async () => sent.length === 1, 3000);
      expect(sent).toEqual(['reply']);
    } finally {
      outbox.stop();
      await outbox.drained();
      await store.close();
    }
  });
});

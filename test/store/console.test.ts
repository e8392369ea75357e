import { describe, expect, it } from 'vitest';
import { consoleStoreOf } from '../../src/store/console';
import { UNPROCESSED_BY_PROVIDER } from '../../src/store/reads';
import { conversationListStatement } from '../../src/store/console-reads';
import { dialects, useTestDatabase } from './dialects';
import { deliver, message } from './events';

/** The operator console's store (src/store/console.ts, operators.ts, console-reads.ts), on SQLite and PostgreSQL. */
describe.each(await dialects())('console store on $name', (dialect) => {
  const t = useTestDatabase(dialect);
  const cs = () => consoleStoreOf(t.store);
  const hour = (h: number) => new Date(Date.UTC(2026, 0, 1, h)).toISOString();

  it('keeps operators, and removing one or resetting its password ends its sessions', async () => {
    const ana = await cs().addOperator({ name: 'ana', role: 'admin', passwordHash: 'h1' });
    await cs().addOperator({ name: 'bo', role: 'operator', passwordHash: 'h2' });
    await expect(cs().addOperator({ name: 'ana', role: 'operator', passwordHash: 'x' })).rejects.toThrow();
    expect((await cs().listOperators()).map((o) => [o.name, o.role])).toEqual([
      ['ana', 'admin'],
      ['bo', 'operator'],
    ]);
    expect(await cs().findOperator('ana')).toMatchObject({ id: ana.id, passwordHash: 'h1' });

    await cs().createSession({ id: 's1', operatorId: ana.id, csrf: 'c1' });
    expect(await cs().useSession('s1', hour(0))).toMatchObject({ operator: { name: 'ana', role: 'admin' }, csrf: 'c1' });
    expect(await cs().setOperatorPassword('ana', 'h3')).toBe(true);
    expect(await cs().useSession('s1', hour(0))).toBeUndefined();
    expect((await cs().findOperator('ana'))!.passwordHash).toBe('h3');

    const bo = (await cs().findOperator('bo'))!;
    await cs().createSession({ id: 's2', operatorId: bo.id, csrf: 'c2' });
    expect(await cs().removeOperator('bo')).toBe(true);
    expect(await cs().removeOperator('bo')).toBe(false);
    expect(await cs().useSession('s2', hour(0))).toBeUndefined();
  });

  it('refuses and deletes a session idle since before the timeout', async () => {
    const ana = await cs().addOperator({ name: 'ana', role: 'admin', passwordHash: 'h' });
    await cs().createSession({ id: 's1', operatorId: ana.id, csrf: 'c' });
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await cs().useSession('s1', future)).toBeUndefined();
    expect(await cs().useSession('s1', hour(0))).toBeUndefined(); // gone, not only refused
  });

  it('counts failed sign-ins per key in a window that starts over once it is past', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    expect(await cs().countLoginFailure('account:ana', since)).toBe(1);
    expect(await cs().countLoginFailure('account:ana', since)).toBe(2);
    expect(await cs().loginFailures('account:ana', since)).toMatchObject({ failures: 2 });
    // A window that started before `since` is over: counting starts again at 1.
    expect(await cs().countLoginFailure('account:ana', new Date(Date.now() + 60_000).toISOString())).toBe(1);
    await cs().clearLoginFailures('account:ana');
    expect(await cs().loginFailures('account:ana', since)).toBeUndefined();
  });

  it('lists conversations newest activity first a page at a time, filtered and searched; writes as an operator through the outbox', async () => {
    for (let i = 1; i <= 5; i++) {
      await deliver(t.store, [
        message(i, `hello ${i}`, {
          conversation: { provider: 'fake', externalId: `chat-${i}`, title: `Chat ${i}`, address: {} },
          author: { externalId: `u${i}`, name: i === 3 ? 'Zoë Quist' : 'Ann', role: 'user' },
        }),
      ]);
    }
    const first = await cs().listConversations({ limit: 2 });
    expect(first.map((c) => c.externalId)).toEqual(['chat-5', 'chat-4']);
    expect(first[0]).toMatchObject({ lastText: 'hello 5', failing: false, claimedBy: null });
    const last = first[1]!;
    const second = await cs().listConversations({ limit: 2, after: { lastMessageAt: last.lastMessageAt!, id: last.id } });
    expect(second.map((c) => c.externalId)).toEqual(['chat-3', 'chat-2']);
    expect((await cs().listConversations({ limit: 10, search: 'zoë' })).map((c) => c.externalId)).toEqual(['chat-3']);
    expect((await cs().listConversations({ limit: 10, search: 'HELLO 2' })).map((c) => c.externalId)).toEqual(['chat-2']);
    expect(await cs().listConversations({ limit: 10, search: '100%' })).toEqual([]);

    const c1 = (await cs().listConversations({ limit: 10, search: 'hello 1' }))[0]!;
    await cs().setStatus(c1.id, 'handoff');
    expect((await cs().listConversations({ limit: 10, status: 'handoff' })).map((c) => c.id)).toEqual([c1.id]);
    const claim = await cs().claim(c1.id, { id: 7, name: 'ana' });
    expect(claim).toMatchObject({ operatorName: 'ana' });
    expect(await cs().claim(c1.id, { id: 8, name: 'bo' })).toMatchObject({ operatorName: 'ana' });
    expect(await cs().claim(c1.id, { id: 8, name: 'bo' }, true)).toMatchObject({ operatorName: 'bo' });

    const item = await cs().writeAsOperator(c1.id, { id: 8, name: 'bo' }, 'A person here');
    const inbox = await cs().handoffInbox(10);
    expect(inbox.map((c) => [c.id, c.claimedBy, c.waitingSince])).toEqual([[c1.id, 'bo', null]]);
    expect((await cs().listConversations({ limit: 1 }))[0]).toMatchObject({ id: c1.id, lastText: 'A person here' });
    const tl = (await cs().timeline(c1.id))!;
    expect(tl.messages.map((m) => [m.text, m.author.role, m.author.name])).toEqual([
      ['hello 1', 'user', 'Ann'],
      ['A person here', 'operator', 'bo'],
    ]);
    expect(tl.outbox).toMatchObject([{ id: item.id, status: 'pending' }]);
    expect(tl.dispatches).toMatchObject([{ event: { type: 'message' }, status: 'pending' }]);
    expect(tl.deliveries).toHaveLength(1);

    await t.store.outboxMarkDead(item.id, 'HTTP 400: bad phone');
    expect((await cs().listConversations({ limit: 10, failing: true })).map((c) => c.id)).toEqual([c1.id]);
    expect(await cs().editDeadLetter(item.id, 'A person here, again')).toBe(true);
    expect((await t.store.dueOutbox(new Date(Date.now() + 1000).toISOString(), 10))[0]).toMatchObject({
      id: item.id,
      message: { text: 'A person here, again' },
    });
    await t.store.outboxMarkDead(item.id, 'HTTP 400: bad phone');
    expect(await cs().discardDeadLetter(item.id)).toBe(true);
    expect(await t.store.listDeadLetters()).toEqual([]);

    await cs().setStatus(c1.id, 'open');
    expect((await cs().timeline(c1.id))!.claimedBy).toBeNull();
  });

  it('counts the last hour of deliveries per provider and minute, finding the hour by id', async () => {
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const halfAnHourAgo = at(30);
    const times = [at(120), at(90), at(61), halfAnHourAgo, halfAnHourAgo, at(1)];
    await t.store.appendDeliveries(times.map((receivedAt, i) => ({ provider: i === 5 ? 'other' : 'fake', key: `k${i}`, payload: {}, receivedAt })));
    const a = await cs().activity(at(60));
    expect(a.perMinute.reduce((n, p) => n + p.count, 0)).toBe(3);
    expect(a.perMinute.filter((p) => p.provider === 'fake')).toEqual([{ provider: 'fake', minute: halfAnHourAgo.slice(0, 16), count: 2 }]);
    expect((await cs().activity(at(-1))).perMinute).toEqual([]);
  });

  it('feeds changes after a cursor: new messages and audit entries with their conversations', async () => {
    const start = await cs().latestIds();
    await deliver(t.store, [message(1, 'hi')]);
    await cs().audit({ operatorId: null, operatorName: 'cli', action: 'added an operator' });
    const changes = await cs().changesSince(start);
    expect(changes.messages).toHaveLength(1);
    expect(changes.audit).toMatchObject([{ conversationId: null }]);
    expect(await cs().listAudit({ limit: 10 })).toMatchObject([{ operatorName: 'cli', action: 'added an operator' }]);
  });
});

/** The console's list reads go by index (SQLite's plan): a page never scans the conversations or the messages. */
describe('console list reads use indexes', async () => {
  const [sqlite] = await dialects();
  const t = useTestDatabase(sqlite!);
  const plan = async (sql: string, params: unknown[]) =>
    ((await consoleStoreOf(t.store).db.all(`EXPLAIN QUERY PLAN ${sql}`, params as never)) as { detail: string }[]).map((r) => r.detail).join(' | ');

  it('reads the first page and a later one by (last_message_at, id), each row by its own index', async () => {
    for (const q of [{ limit: 51 }, { limit: 51, after: { lastMessageAt: '2026-01-01T00:00:00.000Z', id: 5 } }, { limit: 51, status: 'handoff' as const }]) {
      const { sql, params } = conversationListStatement(q);
      const p = await plan(sql, params);
      expect(p).toMatch(/SEARCH c USING (COVERING )?INDEX conversations_(status_)?activity/);
      expect(p).toMatch(/SEARCH m USING INDEX messages_conversation_order/);
      expect(p).toMatch(/SEARCH o USING (COVERING )?INDEX outbox_dead/);
      expect(p).toMatch(/SEARCH d USING (COVERING )?INDEX dispatches_failed/);
      expect(p).not.toMatch(/SCAN (c|m|o|d)\b|TEMP B-TREE FOR ORDER BY/);
    }
  });
});

/** /api/health and every /metrics scrape count the pending deliveries: by their partial index, never a walk of the delivery log. */
describe('the health counts read the pending deliveries by their index', async () => {
  const [sqlite] = await dialects();
  const t = useTestDatabase(sqlite!);
  it('counts pending deliveries per provider through deliveries_pending (SQLite plan)', async () => {
    const rows = (await consoleStoreOf(t.store).db.all(`EXPLAIN QUERY PLAN ${UNPROCESSED_BY_PROVIDER}`, [])) as { detail: string }[];
    const plan = rows.map((r) => r.detail).join(' | ');
    expect(plan).toMatch(/SCAN deliveries USING (COVERING )?INDEX deliveries_pending\b/);
    expect(plan).not.toMatch(/deliveries_log/);
  });
});

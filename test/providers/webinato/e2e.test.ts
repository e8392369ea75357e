import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webinatoForm, webinatoMsg } from '../../fixtures/webinato';
import { eventually, startServer, tempDir, type ServerProcess } from '../../helpers/process';

/**
 * Webinato through the real server process: form-encoded RealTimeChat batches, a batch arriving
 * late (merged in msgID order), a batch that never arrives (a gap in /api/health and /metrics),
 * retries, and the echo bot's reply failing as receive-only without harming the server.
 */
const SECRET = 'webinato-path-secret-123';
const ADMIN = 'admin-token-webinato';
const ROOM = '48213';

describe('Webinato end to end (real server process)', () => {
  const dir = tempDir();
  let sb: ServerProcess;

  const post = (body: string, secret = SECRET) =>
    fetch(`${sb.url}/webhooks/webinato/${secret}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const batch = (batchNo: number, ids: number[]) => webinatoForm({ roomID: ROOM, batchNo, msgs: ids.map((id) => webinatoMsg(id, `message ${id}`)) });
  const api = async (path: string) => {
    const r = await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.status).toBe(200);
    return r.json() as Promise<any>;
  };
  const health = async () => (await api('/api/health')).providers.find((p: any) => p.provider === 'webinato');
  const gapMetric = async () => {
    const text = await (await fetch(`${sb.url}/metrics`)).text();
    const m = /^switchboard_gaps\{provider="webinato"\} (\d+)$/m.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const roomMessages = async () => {
    const { conversations } = await api('/api/conversations?provider=webinato');
    const room = conversations.find((c: any) => c.externalId === ROOM);
    return room ? ((await api(`/api/conversations/${room.id}/messages`)).messages as any[]) : [];
  };

  beforeAll(async () => {
    sb = await startServer({ DATA_DIR: dir.path, WEBINATO_WEBHOOK_SECRET: SECRET, ADMIN_TOKEN: ADMIN, BOTS: 'echo' });
  });
  afterAll(async () => {
    await sb?.stop();
    dir.remove();
  });

  it('stores batch 1 and answers 200', async () => {
    const r = await post(batch(1, [101, 102]));
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true, stored: 1, duplicates: 0 });
    const list = await eventually(async () => ((await roomMessages()).length === 2 ? roomMessages() : undefined));
    expect(list[0]).toMatchObject({
      externalId: `${ROOM}:101`,
      direction: 'inbound',
      kind: 'text',
      text: 'message 101',
      author: { role: 'attendee', name: 'Maria Lopez' },
    });
    expect(list[0].sentAt).toBe(new Date((1713187200 + 101) * 1000).toISOString());
  });

  it('records a skipped batchNo as a gap, in /api/health and in /metrics', async () => {
    expect((await post(batch(3, [105, 106]))).status).toBe(200);
    await eventually(async () => (await health()).gaps === 1);
    expect(await gapMetric()).toBe(1);
  });

  it('merges the late batch 2 in msgID order and closes its gap', async () => {
    expect((await post(batch(2, [103, 104]))).status).toBe(200);
    const list = await eventually(async () => {
      const m = await roomMessages();
      return m.length === 6 ? m : undefined;
    });
    expect(list.map((m) => m.externalId)).toEqual([101, 102, 103, 104, 105, 106].map((id) => `${ROOM}:${id}`));
    await eventually(async () => (await health()).gaps === 0);
    expect(await gapMetric()).toBe(0);
  });

  it('a batch that never arrives stays a gap', async () => {
    expect((await post(batch(5, [109]))).status).toBe(200);
    await eventually(async () => (await health()).gaps === 1);
    expect(await gapMetric()).toBe(1);
  });

  it('a retried batch is a duplicate; a message repeated in a later batch is stored once', async () => {
    const r = await post(batch(5, [109]));
    expect(await r.json()).toMatchObject({ stored: 0, duplicates: 1 });
    expect(await (await post(batch(6, [109, 110]))).json()).toMatchObject({ stored: 1 });
    const list = await eventually(async () => {
      const m = await roomMessages();
      return m.length === 8 ? m : undefined;
    });
    expect(list.filter((m) => m.externalId === `${ROOM}:109`)).toHaveLength(1);
    expect((await health()).duplicatesDropped).toBe(1);
  });

  it('the echo bot cannot reply on Webinato: a ReceiveOnlyError warning in the log, no outbox, no crash', async () => {
    await eventually(async () => sb.logs.some((l) => /ReceiveOnlyError/.test(l) && /webinato is receive-only/.test(l)));
    const line = JSON.parse(sb.logs.find((l) => /ReceiveOnlyError/.test(l))!);
    expect(line).toMatchObject({ level: 'warn', bot: 'echo', receiveOnly: true });
    expect(await health()).toMatchObject({ outboxPending: 0, outboxDead: 0 });
    expect((await fetch(`${sb.url}/healthz`)).status).toBe(200);
    expect((await roomMessages()).every((m) => m.direction === 'inbound')).toBe(true);
  });

  it('keeps a bad inquiry and malformed msgsJSON quarantined (200, the reason named); no room or batch is 400', async () => {
    const before = await health();
    const bad = await post(webinatoForm({ roomID: ROOM, batchNo: 201, inquiry: 'roomStatus' }));
    expect(bad.status).toBe(200);
    const malformed = await post(webinatoForm({ roomID: ROOM, batchNo: 202, msgsJSON: '[{"authorName":' }));
    expect(malformed.status).toBe(200);
    const noRoom = await post(webinatoForm({ roomID: '', msgsJSON: '[]' }));
    expect(noRoom.status).toBe(400);
    expect(((await noRoom.json()) as any).error).toMatch(/roomID/);
    expect((await post(batch(7, [111]), 'wrong')).status).toBe(401);
    await eventually(async () => (await health()).quarantined === before.quarantined + 2);
    expect((await health()).deliveries).toBe(before.deliveries + 2);
  });
});

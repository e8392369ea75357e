import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSuperViz } from '../../fakes/superviz';
import { realisticBatch, svEvent } from '../../fixtures/superviz';
import { eventually, startServer, tempDir, type ServerProcess } from '../../helpers/process';

/**
 * SuperViz through the real server process: single events and 1,000-event batches, dedupe of a
 * re-sent batch, the echo bot publishing to a fake SuperViz API, our own published event coming
 * back by webhook and not answered, and the header secret.
 */
const SECRET = 'sv-path-secret-123';
const ADMIN = 'admin-token-sv';

describe('SuperViz end to end (real server process, fake SuperViz API)', () => {
  const dir = tempDir();
  const sv = new FakeSuperViz();
  let sb: ServerProcess;

  const post = (body: unknown, headers: Record<string, string> = { Authorization: `Bearer ${SECRET}` }) =>
    fetch(`${sb.url}/webhooks/superviz/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const api = async (path: string) => {
    const r = await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.status).toBe(200);
    return r.json() as Promise<any>;
  };
  const conversation = async (channel: string) =>
    ((await api('/api/conversations?provider=superviz')).conversations as any[]).find((c) => c.externalId === channel);
  const messages = async (channel: string) => {
    const c = await conversation(channel);
    return c ? ((await api(`/api/conversations/${c.id}/messages?limit=5000`)).messages as any[]) : [];
  };
  const health = async () => (await api('/api/health')).providers.find((p: any) => p.provider === 'superviz');

  beforeAll(async () => {
    await sv.start();
    sb = await startServer({
      DATA_DIR: dir.path,
      SUPERVIZ_WEBHOOK_SECRET: SECRET,
      SUPERVIZ_WEBHOOK_HEADER: 'Authorization',
      SUPERVIZ_CLIENT_ID: sv.clientId,
      SUPERVIZ_SECRET: sv.secret,
      SUPERVIZ_API_URL: sv.url,
      SUPERVIZ_POLL_INTERVAL_MS: '0',
      ADMIN_TOKEN: ADMIN,
      BOTS: 'echo',
    });
    sv.webhook = { url: `${sb.url}/webhooks/superviz/${SECRET}`, headers: { Authorization: SECRET } };
  });
  afterAll(async () => {
    await sb?.stop();
    await sv.stop();
    dir.remove();
  });

  it('stores a single chat event and the echo bot publishes the reply; its echo is recorded, not answered', async () => {
    const r = await post(svEvent());
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ stored: 1, duplicates: 0 });
    await eventually(async () => sv.published.length === 1);
    expect(sv.published[0]).toMatchObject({ channel: 'support-room', name: 'message', data: { text: 'Hello, is anyone there?', source: 'switchboard' } });

    // The fake echoes the published event to our webhook: it folds into the stored reply.
    const list = await eventually(async () => {
      const m = await messages('support-room');
      return m.length === 2 && m[1].status === 'sent' && (await health()).deliveries === 2 ? m : undefined;
    });
    expect(list[0]).toMatchObject({
      direction: 'inbound',
      kind: 'text',
      text: 'Hello, is anyone there?',
      author: { id: '55x7kd', name: 'Ada', role: 'user' },
      sentAt: '2024-05-17T20:56:59.006Z',
    });
    expect(list[1]).toMatchObject({
      direction: 'outbound',
      kind: 'text',
      text: 'Hello, is anyone there?',
      author: { role: 'bot' },
      externalId: `out:${sv.published[0]!.data.ref}`,
    });
    await new Promise((res) => setTimeout(res, 300));
    expect(sv.published).toHaveLength(1);
    expect(await messages('support-room')).toHaveLength(2);
  });

  it('dead-letters a reply SuperViz refuses (an expired API secret: 401) and retries a 503', async () => {
    sv.failNext = [503];
    await post(svEvent({ channel: 'retry-room', date: '2024-05-17T21:01:00.000Z', data: { text: 'retried' } }));
    await eventually(async () => sv.published.some((p) => p.channel === 'retry-room'), 15_000);
    sv.failNext = [401];
    await post(svEvent({ channel: 'expired-room', date: '2024-05-17T21:02:00.000Z', data: { text: 'refused' } }));
    const dead = await eventually(async () => ((await api('/api/outbox/dead')).deadLetters as any[]).find((d) => d.provider === 'superviz'));
    expect(dead.lastError).toMatch(/SuperViz publish: HTTP 401/);
    expect(sv.published.some((p) => p.channel === 'expired-room')).toBe(false);
  });

  it('checks the secret header: raw or Bearer, missing or wrong is 401', async () => {
    const e = svEvent({ event: 'hand.raised', data: { raised: true }, date: '2024-05-17T21:00:00.000Z' });
    expect((await post(e, {})).status).toBe(401);
    expect((await post(e, { Authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post(e, { Authorization: SECRET })).status).toBe(200);
    expect(await (await post(e, { Authorization: `Bearer ${SECRET}` })).json()).toMatchObject({ duplicates: 1 });
    // The same event twice in one batch: one delivery, one duplicate.
    const twice = svEvent({ event: 'hand.lowered', data: { raised: false }, date: '2024-05-17T21:00:01.000Z' });
    expect(await (await post([twice, twice])).json()).toMatchObject({ stored: 1, duplicates: 1 });
    expect((await fetch(`${sb.url}/webhooks/superviz/wrong`, { method: 'POST', headers: { Authorization: SECRET }, body: JSON.stringify(e) })).status).toBe(
      401,
    );
  });

  it('takes a realistic batch of 1,000 events, drops a re-sent batch event by event, keeps date order', async () => {
    const batch = realisticBatch(1000);
    const body = JSON.stringify(batch);
    expect(Buffer.byteLength(body)).toBeLessThan(4 * 1024 * 1024);
    // Sent in reverse: the channel still reads in SuperViz's dates.
    const r = await post(JSON.stringify([...batch].reverse()));
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ stored: 1000, duplicates: 0 });

    const again = await post(body);
    expect(await again.json()).toMatchObject({ stored: 0, duplicates: 1000 });
    const overlap = [...batch.slice(500), ...realisticBatch(1500, 'webinar-hall').slice(1000)];
    expect(await (await post(overlap)).json()).toMatchObject({ stored: 500, duplicates: 500 });

    const list = await eventually(async () => {
      const m = await messages('webinar-hall');
      return m.filter((x) => x.direction === 'inbound').length === 1500 ? m : undefined;
    }, 20_000);
    const inbound = list.filter((m) => m.direction === 'inbound');
    expect(inbound.map((m) => m.sentAt)).toEqual([...inbound.map((m) => m.sentAt)].sort());
    expect(inbound.filter((m) => m.kind === 'event')).toHaveLength(1470);
    expect(inbound.find((m) => m.kind === 'event')).toMatchObject({ text: 'presence.mouse.move', author: { role: 'user' } });
    // One reply per chat message, none for the 1,470 other events.
    await eventually(async () => sv.published.filter((p) => p.channel === 'webinar-hall').length === 30, 20_000);
  });

  it('accepts a 2 MiB batch of 1,000 events', async () => {
    const pad = 'x'.repeat(2100);
    const batch = realisticBatch(1000, 'big-room').map((e) => ({ ...e, event: 'annotation.update', data: { ...e.data, text: undefined, path: pad } }));
    const body = JSON.stringify(batch);
    expect(Buffer.byteLength(body)).toBeGreaterThan(2 * 1024 * 1024);
    const r = await post(body);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ stored: 1000 });
  });

  it('rejects what SuperViz never sends with 400, storing nothing', async () => {
    const before = (await health()).deliveries;
    for (const body of ['{"apiKey":', JSON.stringify(realisticBatch(1001)), '"not an event"', JSON.stringify([svEvent(), 42])]) {
      const r = await post(body);
      expect(r.status).toBe(400);
      expect(typeof ((await r.json()) as any).error).toBe('string');
    }
    expect(((await (await post(JSON.stringify(realisticBatch(1001)))).json()) as any).error).toMatch(/1001 events/);
    expect((await health()).deliveries).toBe(before);
  });

  it('never writes the secrets into its logs', () => {
    const all = sb.logs.join('\n');
    for (const s of [SECRET, sv.secret, ADMIN]) expect(all).not.toContain(s);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSuperViz } from '../../fakes/superviz';
import { svEvent } from '../../fixtures/superviz';
import { eventually, startServer, tempDir, type ServerProcess } from '../../helpers/process';

/**
 * The catch-up poller through the real server: channel history (REST shape: name, timestamp ms,
 * participantId, connectionId) of a channel seen by webhook is read; events the webhook missed are
 * stored and answered once; the event the webhook already brought is a duplicate under the same key.
 */
const SECRET = 'sv-poll-secret';
const ADMIN = 'admin-token-sv-poll';

describe('SuperViz catch-up from channel history', () => {
  const dir = tempDir();
  const sv = new FakeSuperViz();
  let sb: ServerProcess;
  const api = async (path: string) => (await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<any>;

  beforeAll(async () => {
    await sv.start();
    sb = await startServer({
      DATA_DIR: dir.path,
      SUPERVIZ_WEBHOOK_SECRET: SECRET,
      SUPERVIZ_CLIENT_ID: sv.clientId,
      SUPERVIZ_SECRET: sv.secret,
      SUPERVIZ_API_URL: sv.url,
      SUPERVIZ_POLL_INTERVAL_MS: '200',
      ADMIN_TOKEN: ADMIN,
      BOTS: 'echo',
    });
  });
  afterAll(async () => {
    await sb?.stop();
    await sv.stop();
    dir.remove();
  });

  it('fills in missed events of a recently active channel, once', async () => {
    const seen = svEvent({ channel: 'lobby', date: '2024-05-17T20:56:59.006Z', data: { name: 'Ada', text: 'first' } });
    const t = Date.parse(seen.date);
    // The history holds what the webhook brought (in REST field names, data keys in another order)
    // and two events it missed.
    sv.addHistory('lobby', {
      name: 'message',
      timestamp: t,
      participantId: '55x7kd',
      connectionId: 'oxulmrXc_A-_3olrAAAr',
      data: { text: 'first', name: 'Ada' },
    });
    sv.addHistory('lobby', { name: 'message', timestamp: t + 1000, participantId: 'zz9', connectionId: 'c2', data: { text: 'missed question' } });
    sv.addHistory('lobby', { name: 'hand.raised', timestamp: t + 2000, participantId: 'zz9', connectionId: 'c2', data: { raised: true } });

    const r = await fetch(`${sb.url}/webhooks/superviz/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(seen),
    });
    expect(r.status).toBe(200);

    // Processing runs after the 200: the conversation appears shortly after.
    const id = await eventually(async () => (await api('/api/conversations?provider=superviz')).conversations.find((c: any) => c.externalId === 'lobby')?.id);
    const list = await eventually(async () => {
      const m = (await api(`/api/conversations/${id}/messages`)).messages as any[];
      return m.filter((x) => x.direction === 'inbound').length === 3 && sv.published.length === 2 ? m : undefined;
    });
    expect(list.filter((m) => m.direction === 'inbound').map((m) => [m.kind, m.text, m.author.id])).toEqual([
      ['text', 'first', '55x7kd'],
      ['text', 'missed question', 'zz9'],
      ['event', 'hand.raised', 'zz9'],
    ]);
    expect(sv.published.map((p) => p.data.text).sort()).toEqual(['first', 'missed question']);

    // More rounds: our own published replies are in the history now; nothing is answered twice.
    const polls = sv.requests.filter((x) => x === 'GET /realtime/lobby').length;
    await eventually(async () => sv.requests.filter((x) => x === 'GET /realtime/lobby').length >= polls + 2);
    expect(sv.published).toHaveLength(2);
    const after = (await api(`/api/conversations/${id}/messages`)).messages as any[];
    expect(after.filter((m) => m.direction === 'outbound')).toHaveLength(2);
    const health = (await api('/api/health')).providers.find((p: any) => p.provider === 'superviz');
    expect(health.lastPollAt).not.toBeNull();
    expect(health.duplicatesDropped).toBeGreaterThanOrEqual(1);
  });
});

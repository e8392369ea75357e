import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeWamm } from '../../fakes/wamm';
import { wammMessage } from '../../fixtures/wamm';
import { eventually, startServer, tempDir, type ServerProcess } from '../../helpers/process';

/**
 * The walking skeleton, through the real server process: WAMM webhook → stored → 200 → echo bot →
 * msg_to on a fake WAMM API → outbound recorded → msg_state updates it; then a restart.
 */
const SECRET = 'wamm-path-secret-123';
const ADMIN = 'admin-token-xyz';
const TOKEN = 'wamm-api-token-abc';

const msg = (id: number | string, text: string, extra: Record<string, unknown> = {}) => wammMessage({ msg_id: id, msg_text: text, ...extra });

describe('WAMM end to end (real server process, fake WAMM API)', () => {
  const dir = tempDir();
  const wamm = new FakeWamm(TOKEN);
  let sb: ServerProcess;
  let env: Record<string, string>;

  const post = (body: unknown, secret = SECRET, raw?: string) =>
    fetch(`${sb.url}/webhooks/wamm/${secret}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });
  const api = async (path: string) => {
    const r = await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.status).toBe(200);
    return r.json() as Promise<any>;
  };
  const messages = async () => {
    const { conversations } = await api('/api/conversations?provider=wamm');
    if (conversations.length === 0) return [];
    return (await api(`/api/conversations/${conversations[0].id}/messages`)).messages as any[];
  };

  beforeAll(async () => {
    await wamm.start();
    env = {
      DATA_DIR: dir.path,
      WAMM_WEBHOOK_SECRET: SECRET,
      WAMM_API_TOKEN: TOKEN,
      WAMM_API_URL: wamm.url,
      WAMM_TIMEZONE: 'Europe/Moscow',
      ADMIN_TOKEN: ADMIN,
      BOTS: 'echo',
    };
    sb = await startServer(env);
  });
  afterAll(async () => {
    await sb?.stop();
    await wamm.stop();
    dir.remove();
  });

  it('stores a message, answers 200, and echoes it once through msg_to', async () => {
    const r = await post(msg(1001, 'hello there'));
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true, stored: 1, duplicates: 0 });
    await eventually(async () => wamm.sent.length === 1);
    expect(wamm.sent[0]).toMatchObject({ phone: '79001234567', text: 'hello there' });

    const list = await eventually(async () => {
      const m = await messages();
      return m.length === 2 && m[1].status === 'sent' ? m : undefined;
    });
    expect(list[0]).toMatchObject({
      externalId: '1001',
      direction: 'inbound',
      author: { id: '79001234567', name: 'Ivan Petrov', role: 'user' },
      kind: 'text',
      text: 'hello there',
      sentAt: '2023-05-24T09:35:29.000Z', // Moscow is UTC+3
      status: 'received',
    });
    expect(list[1]).toMatchObject({ direction: 'outbound', text: 'hello there', author: { role: 'bot' }, externalId: String(wamm.sent[0]!.msg_id) });
  });

  it('drops the same delivery again: 200, nothing new, no second reply', async () => {
    const r = await post(msg('1001', 'hello there')); // msg_id as a string this time: same id
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ stored: 0, duplicates: 1 });
    await new Promise((res) => setTimeout(res, 300));
    expect(wamm.sent).toHaveLength(1);
    expect(await messages()).toHaveLength(2);
  });

  it('records from_me / from_api messages without answering them', async () => {
    expect((await post(msg(1002, 'typed by an operator', { from_me: 1 }))).status).toBe(200);
    expect((await post(msg(1003, 'sent by some API client', { from_me: 1, from_api: 1 }))).status).toBe(200);
    const list = await eventually(async () => {
      const m = await messages();
      return m.length === 4 ? m : undefined;
    });
    expect(list.filter((m) => m.externalId === '1002')[0]).toMatchObject({ direction: 'outbound', author: { role: 'operator' } });
    expect(list.filter((m) => m.externalId === '1003')[0]).toMatchObject({ direction: 'outbound', author: { role: 'bot' } });
    await new Promise((res) => setTimeout(res, 300));
    expect(wamm.sent).toHaveLength(1);
  });

  it('applies msg_state (string msg_id) to our outbound reply', async () => {
    const id = String(wamm.sent[0]!.msg_id);
    const r = await post({ tip: 'msg_state', msg_data: { msg_id: id, date_upd: '2023-05-24 22:46:03', state: 'viewed' } });
    expect(r.status).toBe(200);
    await eventually(async () => (await messages()).find((m) => m.externalId === id)?.status === 'read');
    const again = await post({ tip: 'msg_state', msg_data: { msg_id: id, date_upd: '2023-05-24 22:46:03', state: 'viewed' } });
    expect(await again.json()).toMatchObject({ duplicates: 1 });
  });

  it('rejects bad input with 4xx and a JSON error, storing nothing', async () => {
    const before = (await api('/api/health')).providers[0].deliveries;
    const cases: [number, Promise<Response>][] = [
      [401, post(msg(2001, 'x'), 'wrong-secret')],
      [404, fetch(`${sb.url}/webhooks/webinato/${SECRET}`, { method: 'POST', body: '{}' })],
      [404, fetch(`${sb.url}/webhooks/nope/${SECRET}`, { method: 'POST', body: '{}' })],
      [400, post(undefined, SECRET, '{not json')],
      [400, post({ tip: 'msg' })],
      [400, post(msg('abc', 'x'))],
      [400, post({ tip: 'other', msg_data: {} })],
      [400, post(undefined, SECRET, '')],
      [413, post(undefined, SECRET, JSON.stringify({ pad: 'x'.repeat(9 * 1024 * 1024) }))],
    ];
    for (const [status, p] of cases) {
      const r = await p;
      expect(r.status).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/json/);
      const body = (await r.json()) as any;
      expect(typeof body.error).toBe('string');
    }
    const bad = await post({ tip: 'msg', msg_data: { ...msg(1, '').msg_data, msg_id: 'abc' } });
    expect(((await bad.json()) as any).error).toMatch(/msg_data\.msg_id/);
    expect((await api('/api/health')).providers[0].deliveries).toBe(before);
  });

  it('keeps everything across a restart on the same DATA_DIR', async () => {
    const before = await messages();
    expect(await sb.stop()).toBe(0);
    sb = await startServer(env);
    expect(await messages()).toEqual(before);
    const health = await api('/api/health');
    expect(health.providers[0]).toMatchObject({ provider: 'wamm', duplicatesDropped: 2, outboxPending: 0, outboxDead: 0 });
  });

  it('serves metrics and hides the admin API behind the token', async () => {
    const m = await (await fetch(`${sb.url}/metrics`)).text();
    expect(m).toMatch(/switchboard_webhook_requests_total/);
    expect((await fetch(`${sb.url}/api/conversations`)).status).toBe(401);
  });

  it('never writes a secret into its logs', () => {
    const all = sb.logs.join('\n');
    expect(all).toContain('<WAMM_WEBHOOK_SECRET>');
    for (const s of [SECRET, TOKEN, ADMIN]) expect(all).not.toContain(s);
  });
});

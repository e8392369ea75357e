import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBot } from '../../../src/bots/define';
import { loadConfig } from '../../../src/config/env';
import { createLogger } from '../../../src/base/log';
import { createSwitchboard, type Switchboard } from '../../../src/app/switchboard';
import { FakeMqttChat, type FakeMqttMessage } from '../../fakes/mqttchat';
import { eventually, tempDir } from '../../helpers/process';

/**
 * MQTT CHAT through the webhook route of a listening server (in-process, to read participants'
 * presence from the store): presence, the userid-0 reset, messages of two users in one
 * conversation, and the catch-up poller on a fake REST API fetching a message the callbacks
 * missed, without storing or answering anything twice.
 */
const SECRET = 'mqttchat-path-secret';
const ADMIN = 'admin-mqttchat';

describe('MQTT CHAT end to end (webhook + catch-up poller on a fake API)', () => {
  const dir = tempDir();
  const fake = new FakeMqttChat('app-42', 'app-secret-42');
  const botSaw: string[] = [];
  const logs: string[] = [];
  let sb: Switchboard;
  let url: string;
  const now = Math.floor(Date.now() / 1000);

  const msg = (id: number, from: number, to: number, text: string, ageSeconds = 600): FakeMqttMessage => ({
    id,
    from_userid: from,
    to_userid: to,
    message: text,
    timestamp: now - ageSeconds,
    type: 0,
  });
  const callback = (m: FakeMqttMessage) => ({
    from_userid: m.from_userid,
    to_userid: m.to_userid,
    message: { id: m.id, message: m.message, p1: '', p2: '', p3: '', timestamp: m.timestamp, type: m.type },
  });
  const post = (body: unknown, secret = SECRET) =>
    fetch(`${url}/webhooks/mqttchat/${secret}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const api = async (path: string) => (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<any>;
  const conversation = async (externalId: string) => {
    const { conversations } = await api('/api/conversations?provider=mqttchat');
    const c = conversations.find((x: any) => x.externalId === externalId);
    return c ? ((await api(`/api/conversations/${c.id}/messages`)).messages as any[]) : [];
  };
  const health = async () => (await api('/api/health')).providers.find((p: any) => p.provider === 'mqttchat');

  beforeAll(async () => {
    await fake.start();
    const config = loadConfig({
      DATA_DIR: dir.path,
      ADMIN_TOKEN: ADMIN,
      MQTTCHAT_WEBHOOK_SECRET: SECRET,
      MQTTCHAT_APP_ID: 'app-42',
      MQTTCHAT_APP_SECRET: 'app-secret-42',
      MQTTCHAT_API_URL: fake.url,
      MQTTCHAT_POLL_INTERVAL_MS: '150',
    });
    const log = createLogger({
      level: 'info',
      secrets: ['app-secret-42', SECRET],
      stream: new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }),
    });
    const recorder = defineBot({ name: 'recorder', onMessage: (ctx) => void botSaw.push(ctx.message!.externalId!) });
    sb = await createSwitchboard(config, { bots: [recorder], log });
    url = `http://127.0.0.1:${(await sb.listen(0)).port}`;
  });
  afterAll(async () => {
    await sb?.stop();
    await fake.stop();
    dir.remove();
  });

  it('presence callbacks set each user’s presence; userid 0 offline resets everyone', async () => {
    for (const body of [
      { userid: 2, status: 'online', timestamp: now - 100 },
      { userid: 3601, status: 'online', timestamp: now - 90 },
      { userid: 2, status: 'offline', timestamp: now - 200 }, // older than what we know: ignored
    ])
      expect((await post(body)).status).toBe(200);
    await sb.idle();
    expect(await sb.store.getParticipant('mqttchat', '2')).toMatchObject({ presence: 'online', presenceAt: new Date((now - 100) * 1000).toISOString() });
    expect(await sb.store.getParticipant('mqttchat', '3601')).toMatchObject({ presence: 'online' });

    expect((await post({ userid: 0, status: 'offline', timestamp: now - 50 })).status).toBe(200);
    await sb.idle();
    expect(await sb.store.getParticipant('mqttchat', '2')).toMatchObject({ presence: 'offline' });
    expect(await sb.store.getParticipant('mqttchat', '3601')).toMatchObject({ presence: 'offline' });
    expect(await sb.store.getParticipant('mqttchat', '0')).toBeUndefined();
  });

  it('messages both ways land in one conversation; the poller fetches the one the callbacks missed, once', async () => {
    const m1 = msg(500, 2, 3601, 'Bonjour');
    const m2 = msg(501, 3601, 2, 'missed by the callback');
    const m3 = msg(502, 2, 3601, 'still there?');
    const old = msg(400, 2, 3601, 'two days old, outside the catch-up window', 2 * 24 * 3600);
    fake.messages.push(old, m1, m2, m3);
    expect((await post(callback(m1))).status).toBe(200);
    expect((await post(callback(m3))).status).toBe(200);

    const list = await eventually(async () => {
      const m = await conversation('2:3601');
      return m.length === 3 ? m : undefined;
    });
    expect(list.map((m) => [m.externalId, m.author.id, m.text])).toEqual([
      ['500', '2', 'Bonjour'],
      ['501', '3601', 'missed by the callback'],
      ['502', '2', 'still there?'],
    ]);
    await eventually(async () => (await health()).lastPollAt !== null);

    // The late callback for the polled message is a duplicate: stored once, the bot ran once.
    expect(await (await post(callback(m2))).json()).toMatchObject({ stored: 0, duplicates: 1 });
    await sb.idle();
    expect(botSaw.filter((id) => id === '501')).toEqual(['501']);
    expect(botSaw.sort()).toEqual(['500', '501', '502']);
    expect(await sb.store.findMessage('mqttchat', '400')).toBeUndefined();
    expect(fake.requests.every((r) => r.authorized)).toBe(true);
  });

  it('pages backwards through a burst the callbacks missed, then settles to one request per user', async () => {
    const burst = Array.from({ length: 120 }, (_, i) => msg(1001 + i, i % 3 ? 7 : 8, i % 3 ? 8 : 7, `burst ${i}`, 300 - i));
    fake.messages.push(...burst);
    expect((await post(callback(burst[119]!))).status).toBe(200); // only the newest arrived by callback
    const list = await eventually(async () => {
      const m = await conversation('7:8');
      return m.length === 120 ? m : undefined;
    });
    expect(list.map((m) => Number(m.externalId))).toEqual(burst.map((m) => m.id));
    expect(fake.requests.some((r) => r.path.endsWith('/users/7/messages') && r.query.before_messageid)).toBe(true);

    // Nothing left to catch: each later round asks once per active user.
    const mark = fake.requests.length;
    await eventually(async () => fake.requests.length >= mark + 8);
    const round = fake.requests.slice(mark);
    expect(round.every((r) => !r.query.before_messageid)).toBe(true);
    expect(new Set((await conversation('7:8')).map((m) => m.externalId)).size).toBe(120);
  });

  it('a failing API is logged and retried next round; an error about one user skips only that user', async () => {
    fake.failNext.push(503);
    await eventually(async () => logs.some((l) => /catch-up failed; next round will retry/.test(l) && /HTTP 503/.test(l)));
    // User 7 comes first in a round (newest conversation) and now always fails: user 8 must still be caught up.
    fake.failUsers.set('7', 'user not found');
    fake.messages.push(msg(9001, 8, 7, 'sent while 7 was failing', 10));
    await eventually(async () => (await conversation('7:8')).some((m) => m.externalId === '9001'));
    expect(logs.some((l) => /catch-up for user 7 failed; skipped this round/.test(l) && /user not found/.test(l))).toBe(true);
    fake.failUsers.clear();
    const late = msg(503, 3601, 2, 'after the outage');
    fake.messages.push(late);
    await eventually(async () => (await conversation('2:3601')).some((m) => m.externalId === '503'));
    expect(logs.join('\n')).not.toContain('app-secret-42');
  });

  it('never answers a genuine callback with 401/403; only a wrong secret gets 401', async () => {
    const statuses = [];
    for (const body of [{ userid: 5, status: 'online', timestamp: now }, callback(msg(600, 5, 6, 'hi')), { unknown: true }])
      statuses.push((await post(body)).status);
    expect(statuses).toEqual([200, 200, 400]);
    expect((await post({ userid: 5, status: 'online', timestamp: now }, 'old-secret')).status).toBe(401);
  });
});

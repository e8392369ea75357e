import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSuperViz } from '../fakes/superviz';
import { svEvent } from '../fixtures/superviz';
import { postJson } from '../helpers/http';
import { eventually, startServer, tempDir, type ServerProcess } from '../helpers/process';
import { gate } from './in-process';
import { prng } from './prng';

/**
 * SuperViz sends a crash interrupted, through the real process: the outbox recorded the ref the
 * publish carries in `data.ref` before the request went out, and recovery looks for it in the
 * channel's last 250 events (GET /realtime/<channel>): there → sent; absent while nothing has
 * scrolled out → sent again; absent with the channel moved on past 250 → a dead letter marked
 * maybe delivered. Then a crash run: SIGKILLs with publishes in flight, every message answered once.
 */
const SECRET = 'sv-interrupted-secret-1';
const ADMIN = 'admin-sv-interrupted-1';

describe('interrupted SuperViz publishes (real process, fake SuperViz)', () => {
  let sv: FakeSuperViz;
  let sb: ServerProcess;
  let env: Record<string, string>;
  let dir: ReturnType<typeof tempDir>;

  beforeEach(async () => {
    sv = await new FakeSuperViz().start();
    dir = tempDir('switchboard-sv-int-');
    env = {
      DATA_DIR: dir.path,
      SUPERVIZ_WEBHOOK_SECRET: SECRET,
      SUPERVIZ_CLIENT_ID: sv.clientId,
      SUPERVIZ_SECRET: sv.secret,
      SUPERVIZ_API_URL: sv.url,
      SUPERVIZ_POLL_INTERVAL_MS: '0',
      OUTBOX_RETRY_BASE_MS: '20',
      ADMIN_TOKEN: ADMIN,
      BOTS: 'echo',
    };
    sb = await startServer(env);
  });
  afterEach(async () => {
    await sb?.stop('SIGKILL');
    await sv.stop();
    dir.remove();
  });

  const post = (body: unknown) => postJson(`${sb.url}/webhooks/superviz/${SECRET}`, body);
  const api = async (path: string) => (await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<any>;
  const health = async () => (await api('/api/health')).providers.find((p: any) => p.provider === 'superviz');
  const replies = (text: string) => sv.published.filter((p) => p.data.text === text).length;

  async function killMidPublish(text: string) {
    const g = gate();
    sv.wire.hold = g.promise;
    expect((await post(svEvent({ channel: 'room-1', data: { text }, date: new Date().toISOString() }))).status).toBe(200);
    await eventually(async () => sv.wire.inFlight === 1);
    const gone = sv.wire.callersGone;
    await sb.stop('SIGKILL');
    await eventually(async () => sv.wire.callersGone > gone); // the fake has seen the dead process's connection close
    sv.wire.hold = undefined;
    return g;
  }

  it('marks it sent when the channel history has its ref (no second publish)', async () => {
    const g = await killMidPublish('did it go?');
    g.open();
    await eventually(async () => replies('did it go?') === 1);
    sb = await startServer(env);
    await eventually(async () => sb.logs.some((l) => l.includes('"result":"confirmed sent"')));
    await new Promise((r) => setTimeout(r, 300));
    expect(replies('did it go?')).toBe(1);
    expect(await health()).toMatchObject({ outboxPending: 0, outboxDead: 0 });
  });

  it('publishes it again when SuperViz never got it', async () => {
    const g = await killMidPublish('lost');
    sv.wire.dropAborted = () => true;
    g.open();
    sb = await startServer(env);
    await eventually(async () => replies('lost') === 1);
    expect(sb.logs.join('\n')).toMatch(/"result":"not sent; sending again"/);
    await eventually(async () => (await health()).outboxPending === 0);
    expect(await health()).toMatchObject({ outboxDead: 0 });
  });

  it('dead-letters it as maybe delivered when the channel moved on past its last 250 events', async () => {
    const g = await killMidPublish('unknowable');
    g.open();
    await eventually(async () => replies('unknowable') === 1);
    sv.flood('room-1', 300);
    sb = await startServer(env);
    await eventually(async () => (await health()).outboxDead === 1);
    expect((await api('/api/outbox/dead')).deadLetters).toMatchObject([{ maybeDelivered: true, lastError: expect.stringMatching(/last 250 events/) }]);
    expect(replies('unknowable')).toBe(1);
  });

  it('crash run: SIGKILLs with publishes in flight, 100 messages over 10 channels each answered exactly once, no dead letters', async () => {
    const random = prng(Number(process.env.CRASH_SEED ?? 99));
    sv.wire.delayMs = 40;
    sv.wire.dropAborted = () => random() < 0.5;
    const expected = new Map<string, number>();
    let restarting: Promise<void> | undefined;
    let acked = 0;
    let kills = 0;
    const logs: string[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, c) => {
        for (let i = 0; i < 10; i++) {
          const text = `ch${c} answer ${i % 3}`;
          expected.set(text, (expected.get(text) ?? 0) + 1);
          const body = svEvent({ channel: `room-${c}`, data: { text, i }, date: new Date().toISOString() });
          for (;;) {
            if (restarting) await restarting;
            const ok = await post(body).then(
              (r) => r.status === 200,
              () => false,
            );
            if (ok) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          acked++;
          if (!restarting && kills < 2 && acked >= [35, 70][kills]!) {
            kills++;
            restarting = (async () => {
              await eventually(async () => sv.wire.inFlight > 0, 20_000);
              await sb.stop('SIGKILL');
              logs.push(...sb.logs);
              sb = await startServer(env);
            })().finally(() => (restarting = undefined));
          }
        }
      }),
    );
    if (restarting) await restarting;
    await eventually(async () => sv.published.length >= 100, 60_000);
    await eventually(async () => (await health()).outboxPending === 0, 20_000);
    await sb.stop();
    logs.push(...sb.logs);
    const counts = new Map<string, number>();
    for (const p of sv.published) counts.set(String(p.data.text), (counts.get(String(p.data.text)) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(expected));
    const interrupted = logs.filter((l) => l.includes('reply interrupted mid-send')).map((l) => JSON.parse(l).result as string);
    expect(interrupted.length).toBeGreaterThanOrEqual(1);
    expect(interrupted).not.toContain('dead-lettered');
    sb = await startServer(env);
    expect(await health()).toMatchObject({ outboxPending: 0, outboxDead: 0 });
  }, 120_000);
});

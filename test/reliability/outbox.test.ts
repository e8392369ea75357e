import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffMs } from '../../src/outbox/send';
import { eventually } from '../helpers/process';
import { wammMsg, WammKit } from './wamm-kit';

/**
 * The outbox through the real server process and a fake WAMM API: transient failures (network,
 * 5xx, 429 with Retry-After, WAMM's HTTP-200 error bodies) are retried; permanent ones become dead
 * letters at once, visible in /api/health and re-sent with `npm run cli -- outbox retry`.
 */
describe('outbox retries and dead letters (real process, fake WAMM)', () => {
  const kit = new WammKit();
  let next = 100;
  const send = async (text: string, phone = '79001234567') => {
    const r = await kit.post(wammMsg(next++, text, { phone }));
    expect(r.status).toBe(200);
  };

  beforeAll(() => kit.start());
  afterAll(() => kit.stop());

  it('retries network errors, 5xx, 429 and transient WAMM error bodies until the send goes through, once', async () => {
    kit.wamm.failNext = [
      'acc not authorized',
      'phone not checked for WhatsApp, please retry',
      'some error nobody documented',
      'reset',
      503,
      { status: 429, headers: { 'retry-after': '1' } },
    ];
    await send('retry me');
    await eventually(async () => kit.wamm.sent.length === 1, 20_000);
    expect(kit.wamm.sent[0]!.text).toBe('retry me');
    const times = kit.wamm.timesOf('msg_to');
    expect(times).toHaveLength(7);
    // Retry-After: 1 was honoured: the attempt after the 429 came at least a second later.
    expect(times[6]! - times[5]!).toBeGreaterThanOrEqual(950);
    await eventually(async () => {
      const h = await kit.health();
      return h.outboxDead === 0 && h.outboxPending === 0;
    });
  });

  it('dead-letters permanent errors at once, shows them in /api/health, and re-sends them from the CLI', async () => {
    const before = kit.wamm.calls('msg_to');
    for (const [i, failure] of (['phone fail', 'no WhatsApp on the number', 400] as const).entries()) {
      kit.wamm.failNext = [failure];
      await send(`doomed ${i}`, `7900000000${i}`);
      await eventually(async () => (await kit.health()).outboxDead === i + 1);
    }
    expect(kit.wamm.calls('msg_to') - before).toBe(3); // no retries
    expect(await kit.api('/api/health')).toMatchObject({
      status: 'degraded',
      warnings: [expect.stringMatching(/^wamm: 3 replies dead-lettered in the last hour/)],
    });
    expect(kit.wamm.sent).toHaveLength(1);

    const list = await kit.cli('outbox', 'list');
    expect(list.code).toBe(0);
    expect(list.err).toMatch(/^store: sqlite \(.*switchboard\.db; from DATA_DIR/); // which store the CLI read
    const lines = list.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(list.out).toMatch(/phone fail/);
    expect(list.out).toMatch(/no WhatsApp on the number/);
    expect(list.out).toMatch(/HTTP 400/);

    const firstId = lines[0]!.split('\t')[0]!;
    const one = await kit.cli('outbox', 'retry', firstId);
    expect(one).toMatchObject({ code: 0 });
    expect(one.out).toMatch(/^1 reply queued/);
    await eventually(async () => kit.wamm.sent.some((s) => s.text === 'doomed 0'));
    await eventually(async () => (await kit.health()).outboxDead === 2);

    expect((await kit.cli('outbox', 'retry', 'x1')).code).toBe(64);
    expect((await kit.cli('outbox', 'retry')).out).toMatch(/^2 replies queued/);
    await eventually(async () => kit.wamm.sent.length === 4);
    await eventually(async () => {
      const h = await kit.health();
      return h.outboxDead === 0 && h.outboxPending === 0; // WAMM has it before we record its answer
    });
    expect(kit.wamm.sent.map((s) => s.text).sort()).toEqual(['doomed 0', 'doomed 1', 'doomed 2', 'retry me']);
    expect((await kit.cli('outbox', 'list')).out.trim()).toBe('no dead letters');
    expect(await kit.api('/api/health')).toMatchObject({ status: 'ok', warnings: [] });
  });

  it('keeps reply order in a conversation while an earlier reply waits for a retry', async () => {
    kit.wamm.failNext = [503, 503];
    const sentBefore = kit.wamm.sent.length;
    for (const t of ['first', 'second', 'third']) await send(t, '79005550001');
    await eventually(async () => kit.wamm.sent.length === sentBefore + 3, 20_000).catch((e) => {
      throw new Error(`${e.message}\n${kit.sb.logs.slice(-30).join('\n')}`);
    });
    expect(kit.wamm.sent.slice(sentBefore).map((s) => s.text)).toEqual(['first', 'second', 'third']);
  });
});

describe('outbox pacing (real process, fake WAMM)', () => {
  const kit = new WammKit();
  beforeAll(() => kit.start({ WAMM_SEND_INTERVAL_MS: '400' }));
  afterAll(() => kit.stop());

  it('spaces sends from one WAMM account by WAMM_SEND_INTERVAL_MS, across conversations', async () => {
    await Promise.all(['a', 'b', 'c', 'd'].map((t, i) => kit.post(wammMsg(200 + i, t, { phone: `7911000000${i}` }))));
    await eventually(async () => kit.wamm.sent.length === 4, 20_000);
    const times = kit.wamm.timesOf('msg_to');
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(340);
  });
});

describe('backoff', () => {
  it('doubles per attempt with jitter in the upper half, capped', () => {
    const opts = { baseDelayMs: 1000, maxDelayMs: 60_000 };
    expect(backoffMs(1, opts, () => 0)).toBe(500);
    expect(backoffMs(1, opts, () => 1)).toBe(1000);
    expect(backoffMs(4, opts, () => 0.5)).toBe(6000);
    expect(backoffMs(20, opts, () => 1)).toBe(60_000);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessHealth, type HealthInputs, POLL_GRACE_MS, type ProviderInputs } from '../../src/admin/health';
import { eventually } from '../helpers/process';
import { WammKit } from '../reliability/wamm-kit';

/** /api/health tells the truth: `degraded` with a warning per cause, `ok` only when none holds. */
describe('the health assessment', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  const wamm = (extra: Partial<ProviderInputs> = {}): ProviderInputs => ({ name: 'wamm', polls: true, deadLastHour: 0, ...extra });
  const at = (p: ProviderInputs[], extra: Partial<HealthInputs> = {}) =>
    assessHealth({ now, startedAt: now - 10 * 60_000, silentAfterMs: 6 * 3600_000, providers: p, ...extra });
  const polled = { health: { lastPollAt: new Date(now - 1000).toISOString() } as ProviderInputs['health'] };

  it('is ok when nothing is wrong', () => {
    expect(at([wamm(polled)])).toMatchObject({ status: 'ok', warnings: [] });
  });

  it.each([
    [
      'the API failed its last calls',
      wamm({
        ...polled,
        apiUrlVariable: 'WAMM_API_URL',
        api: { origin: 'https://wamm.chat', failing: true, failuresInARow: 3, lastError: 'network error (ECONNREFUSED)' },
      }),
      /^wamm: its API \(https:\/\/wamm\.chat\) failed the last 3 calls: network error \(ECONNREFUSED\) \(no call has got through since start\); check WAMM_API_URL and the network$/,
    ],
    ['no poll since start', wamm(), /^wamm: no successful poll since start 10 min ago/],
    ['dead letters in the last hour', wamm({ ...polled, deadLastHour: 2 }), /^wamm: 2 replies dead-lettered in the last hour; npm run cli -- outbox list/],
  ])('is degraded when %s', (_what, p, warning) => {
    const a = at([p]);
    expect(a.status).toBe('degraded');
    expect(a.warnings).toEqual([expect.stringMatching(warning)]);
  });

  it('is degraded when the store cannot write (Store.writeProblem)', () => {
    expect(at([wamm(polled)], { storeProblem: 'SQLITE_FULL: database or disk is full' })).toMatchObject({
      status: 'degraded',
      warnings: [expect.stringMatching(/^store: cannot write \(SQLITE_FULL/)],
    });
  });

  it('gives a poller time for its first poll, and does not count providers that do not poll', () => {
    expect(at([wamm()], { startedAt: now - POLL_GRACE_MS + 1000 }).status).toBe('ok');
    expect(at([wamm({ polls: false })]).status).toBe('ok');
  });

  it('warns about a silent provider without calling it degraded (quiet hours are normal)', () => {
    const a = at([wamm(polled)], { silentAfterMs: 60_000 });
    expect(a).toMatchObject({ status: 'ok', silent: { wamm: true }, warnings: [expect.stringMatching(/^wamm: nothing received for 10 min/)] });
  });
});

describe('/api/health while WAMM refuses connections (real process, fake WAMM)', () => {
  const kit = new WammKit();
  beforeAll(async () => {
    await kit.start({ WAMM_POLL_INTERVAL_MS: '200' });
  });
  afterAll(() => kit.stop());

  const health = () => kit.api('/api/health');

  it('is ok, degraded naming the cause while WAMM is down, and ok again when it is back', async () => {
    await eventually(async () => (await health()).providers[0].lastPollAt !== null);
    expect(await health()).toMatchObject({ status: 'ok', warnings: [] });

    await kit.wamm.goAway();
    const down = await eventually(async () => {
      const h = await health();
      return h.status === 'degraded' ? h : undefined;
    });
    expect(down.warnings).toEqual([
      expect.stringMatching(/^wamm: its API \(http:\/\/127\.0\.0\.1:\d+\) failed the last \d+ calls: network error \(ECONNREFUSED\).*check WAMM_API_URL/),
    ]);
    expect(down.providers[0].api).toMatchObject({ reachable: false, lastError: 'network error (ECONNREFUSED)' });

    await kit.wamm.comeBack();
    const up = await eventually(async () => {
      const h = await health();
      return h.status === 'ok' ? h : undefined;
    });
    expect(up.warnings).toEqual([]);
    expect(up.providers[0].api).toMatchObject({ reachable: true, lastError: null });
  });
});

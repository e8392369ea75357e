import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/process';
import { webinatoForm } from '../fixtures/webinato';
import { startInProcess, type InProcess } from './in-process';

/** Gaps in provider sequence numbers reach /metrics and /api/health; a silent provider is a warning. */
describe('health and metrics of deliveries (in-process server)', () => {
  let s: InProcess;
  const ADMIN = 'health-admin-token';
  beforeAll(async () => {
    s = await startInProcess({
      WEBINATO_WEBHOOK_SECRET: 'webinato-secret-1',
      WAMM_WEBHOOK_SECRET: 'wamm-secret-1',
      ADMIN_TOKEN: ADMIN,
      PROVIDER_SILENT_AFTER_MS: '200',
    });
  });
  afterAll(() => s.stop());
  const health = async () => (await (await fetch(`${s.url}/api/health`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as any;

  it('shows Webinato batchNo gaps in /metrics and /api/health', async () => {
    for (const batchNo of [1, 2, 5]) {
      const r = await fetch(`${s.url}/webhooks/webinato/webinato-secret-1`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: webinatoForm({ batchNo, msgs: [] }),
      });
      expect(r.status).toBe(200);
    }
    await eventually(async () => (await health()).providers.find((p: any) => p.provider === 'webinato').gaps === 2);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_gaps\{provider="webinato"\} 2/);
    // Processed: no backlog left behind the 200s, in /metrics and /api/health alike.
    expect(metrics).toMatch(/^switchboard_deliveries_unprocessed\{provider="webinato"\} 0$/m);
    expect(metrics).toMatch(/^switchboard_bot_runs_pending\{provider="webinato"\} 0$/m);
    expect((await health()).providers.find((p: any) => p.provider === 'webinato')).toMatchObject({ unprocessed: 0, botRunsPending: 0 });
  });

  it('warns, without failing, about a provider silent past PROVIDER_SILENT_AFTER_MS', async () => {
    const h = await eventually(async () => {
      const x = await health();
      return x.providers.find((p: any) => p.provider === 'wamm').silent ? x : undefined;
    });
    expect(h.status).toBe('ok');
    expect(h.warnings.join('\n')).toMatch(/^wamm: nothing received/m);
  });
});

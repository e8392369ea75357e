import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/process';
import { WammKit, wammMsg } from '../../reliability/wamm-kit';

/**
 * A WAMM message whose webhook never came, found by the catch-up poll (msg_get_last), through the
 * real server process: answered once, marked recovered with how late it was in the admin API, and
 * counted in /api/health and /metrics (a non-zero count means a webhook was lost upstream).
 */
describe('WAMM: a message recovered by polling is visible as such', () => {
  const kit = new WammKit();
  beforeAll(async () => {
    await kit.start({ WAMM_POLL_INTERVAL_MS: '200' });
  });
  afterAll(() => kit.stop());

  it('marks it recovered in the messages API, the delivery log, /api/health and /metrics', async () => {
    const phone = '79004440001';
    // The first poll sets the baseline: what was there before Switchboard is not answered.
    await eventually(async () => (await kit.health()).lastPollAt);
    // Its webhook is stored before the fake's history shows it, so no poll can find it first.
    const id = kit.wamm.nextId;
    expect((await kit.post(wammMsg(id, 'hello by webhook', { phone, date_ins: kit.wamm.now() }))).status).toBe(200);
    const first = kit.wamm.incoming(phone, 'hello by webhook');
    expect(first.msg_id).toBe(id);
    // The next message's webhook is lost: only msg_get_last has it.
    const lost = kit.wamm.incoming(phone, 'webhook lost upstream');
    await eventually(async () => kit.wamm.sent.some((s) => s.text === 'webhook lost upstream'), 10_000);

    const { conversations } = await kit.api('/api/conversations?provider=wamm');
    const { messages } = await kit.api(`/api/conversations/${conversations[0].id}/messages`);
    const inbound = messages.filter((m: any) => m.direction === 'inbound');
    expect(inbound.map((m: any) => [m.externalId, m.recovered === null])).toEqual([
      [String(first.msg_id), true],
      [String(lost.msg_id), false],
    ]);
    expect(inbound[1].recovered.lateMs).toBeGreaterThanOrEqual(0);

    const { deliveries } = await kit.api('/api/deliveries?provider=wamm');
    // (Our own replies, read back from msg_get_last, are recovered deliveries too; they store no new message.)
    const recoveredKeys = deliveries.filter((d: any) => d.recovered).map((d: any) => d.key);
    expect(recoveredKeys).toContain(`msg:${lost.msg_id}`);
    expect(recoveredKeys).not.toContain(`msg:${first.msg_id}`);
    expect((await kit.health()).recovered).toBe(1);
    const metrics = await (await fetch(`${kit.sb.url}/metrics`)).text();
    expect(metrics).toMatch(/^switchboard_messages_recovered_total\{provider="wamm"\} 1$/m);
    // Answered once, whichever way each message came.
    expect(kit.wamm.sent.filter((s) => s.text === 'webhook lost upstream')).toHaveLength(1);
    expect(kit.wamm.sent.filter((s) => s.text === 'hello by webhook')).toHaveLength(1);
  });
});

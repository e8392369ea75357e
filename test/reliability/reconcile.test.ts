import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/process';
import { ACCOUNT, wammMsg, WammKit } from './wamm-kit';

/**
 * Missed WAMM deliveries (the webhook only runs while WAMM's connection to us is up): found by
 * msg_get_last polling, by msg_state + msg_get when a status names a message never seen, and at
 * start-up; stored through the webhook's own dedupe, so each is answered once and a late webhook
 * changes nothing. Poll answers carry msg_id and from_me as strings.
 */
const inbound = (kit: WammKit, id: number, text: string, phone: string) =>
  kit.wamm.history.unshift({ msg_id: id, from_me: 0, phone, msg_text: text, date_ins: kit.wamm.now(), state: 'received' });

describe('WAMM reconciler: msg_get_last polling (real process, fake WAMM)', () => {
  const kit = new WammKit();
  beforeAll(async () => {
    await kit.start({ WAMM_POLL_INTERVAL_MS: '300' });
    expect((await kit.post(wammMsg(100, 'hello'))).status).toBe(200); // a chat we know: WAMM's account is learnt from it
    await eventually(async () => kit.wamm.sent.length === 1);
  });
  afterAll(() => kit.stop());

  it('answers a message seen only by polling once, and its late webhook changes nothing', async () => {
    inbound(kit, 101, 'missed by the webhook', '79005550100');
    await eventually(async () => kit.wamm.sent.some((s) => s.text === 'missed by the webhook'));
    const { conversations } = await kit.api('/api/conversations?provider=wamm');
    expect(conversations.map((c: any) => c.externalId)).toContain(`${ACCOUNT}:79005550100`);

    const late = await kit.post(wammMsg(101, 'missed by the webhook', { phone: '79005550100' }));
    expect(await late.json()).toMatchObject({ stored: 0, duplicates: 1 });
    const polls = kit.wamm.calls('msg_get_last');
    await eventually(async () => kit.wamm.calls('msg_get_last') >= polls + 2); // more polls see it again
    expect(kit.wamm.sent.filter((s) => s.text === 'missed by the webhook')).toHaveLength(1);
    expect((await kit.health()).lastPollAt).not.toBeNull();
  });
});

describe('WAMM reconciler: statuses of unknown messages, and catch-up at start-up (real process, fake WAMM)', () => {
  const kit = new WammKit();
  beforeAll(async () => {
    await kit.start({ WAMM_POLL_INTERVAL_MS: '3600000' });
    expect((await kit.post(wammMsg(100, 'hello'))).status).toBe(200);
    await eventually(async () => kit.wamm.sent.length === 1 && kit.wamm.calls('msg_get_last') >= 1);
  });
  afterAll(() => kit.stop());

  it('a status for a message never seen fetches its chat (msg_state, msg_get) and answers what was missed', async () => {
    inbound(kit, 200, 'only the status came through', '79005550200');
    const status = await kit.post({ tip: 'msg_state', msg_data: { msg_id: '200', date_upd: '2023-05-24 22:46:03', state: 'read' } });
    expect(status.status).toBe(200);
    await eventually(async () => kit.wamm.sent.some((s) => s.text === 'only the status came through'));
    expect(kit.wamm.calls('msg_state')).toBeGreaterThanOrEqual(1);
    expect(kit.wamm.calls('msg_get')).toBeGreaterThanOrEqual(1);
  });

  it('catches up at start-up with what arrived while it was down, once', async () => {
    expect(await kit.sb.stop()).toBe(0);
    inbound(kit, 300, 'sent while we were down', '79005550300');
    await kit.restart();
    await eventually(async () => kit.wamm.sent.some((s) => s.text === 'sent while we were down'));
    await kit.sb.stop();
    await kit.restart();
    await eventually(async () => kit.wamm.calls('msg_get_last') >= 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(kit.wamm.sent.filter((s) => s.text === 'sent while we were down')).toHaveLength(1);
  });
});

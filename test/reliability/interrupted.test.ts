import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/process';
import { gate } from './in-process';
import { wammMsg, WammKit } from './wamm-kit';

/**
 * A send the process stopped in the middle of (SIGKILL, or a SIGTERM past its drain bound) is not
 * repeated blindly: WAMM is asked (msg_get) whether the message went out, and it is marked sent,
 * sent again, or, when WAMM cannot tell, dead-lettered as maybe delivered. SIGTERM first lets
 * in-flight sends finish. The default configuration: no WAMM_TIMEZONE (none is needed).
 */
const PHONE = '79001234567';

/** The replies in the deployment's one WAMM conversation, as the admin API lists them. */
async function outboundOf(kit: WammKit): Promise<any[]> {
  const { conversations } = await kit.api('/api/conversations?provider=wamm');
  const { messages } = await kit.api(`/api/conversations/${conversations[0].id}/messages`);
  return (messages as any[]).filter((m) => m.direction === 'outbound');
}

describe('interrupted sends and graceful stop (real process, fake WAMM)', () => {
  let kit: WammKit;
  beforeEach(async () => {
    kit = await new WammKit().start({ WAMM_TIMEZONE: undefined });
  });
  afterEach(() => kit.stop());

  const outbound = () => outboundOf(kit);

  /** Post one message and SIGKILL the server while WAMM holds its reply's msg_to. */
  async function killMidSend(text: string) {
    const g = gate();
    kit.wamm.hold = g.promise;
    const m = kit.wamm.incoming(PHONE, text);
    expect((await kit.post(wammMsg(m.msg_id, text, { phone: PHONE }))).status).toBe(200);
    await eventually(async () => kit.wamm.calls('msg_to') === 1);
    await kit.sb.stop('SIGKILL');
    return g;
  }

  it('marks it sent when WAMM has it (no second msg_to)', async () => {
    const g = await killMidSend('did it go?');
    kit.wamm.hold = undefined;
    g.open(); // WAMM finishes the request the dead process made
    await eventually(async () => kit.wamm.sent.length === 1);
    await kit.restart();
    const out = await eventually(async () => ((await outbound())[0]?.status === 'sent' ? await outbound() : undefined));
    expect(out).toHaveLength(1);
    expect(out[0].externalId).toBe(String(kit.wamm.sent[0]!.msg_id));
    expect(kit.wamm.calls('msg_get')).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(kit.wamm.calls('msg_to')).toBe(1);
    expect(await kit.health()).toMatchObject({ outboxPending: 0, outboxDead: 0 });
  });

  it('sends it again when WAMM never got it', async () => {
    const g = await killMidSend('lost on the way');
    kit.wamm.hold = undefined;
    kit.wamm.failNext = ['reset']; // the held request dies with the connection
    g.open();
    await kit.restart();
    await eventually(async () => kit.wamm.sent.length === 1);
    expect(kit.wamm.sent[0]!.text).toBe('lost on the way');
    await eventually(async () => (await outbound())[0]?.status === 'sent');
    expect(await kit.health()).toMatchObject({ outboxPending: 0, outboxDead: 0 });
  });

  it("dead-letters it as maybe delivered when the chat moved on past msg_get's page; outbox retry wants --force", async () => {
    const g = await killMidSend('unknowable');
    kit.wamm.hold = undefined;
    g.open();
    await eventually(async () => kit.wamm.sent.length === 1);
    kit.wamm.flood(PHONE, 120); // 100 newer messages: the send and the id before it are out of sight
    await kit.restart();
    await eventually(async () => (await kit.health()).outboxDead === 1);
    // (The catch-up poll finds the flood and the echo bot answers it: count this reply only.)
    const sends = () => kit.wamm.sent.filter((s) => s.text === 'unknowable').length;
    expect(sends()).toBe(1);
    const { deadLetters } = await kit.api('/api/outbox/dead');
    expect(deadLetters).toMatchObject([{ maybeDelivered: true }]);
    expect((await kit.cli('outbox', 'list')).out).toMatch(/MAYBE DELIVERED\tinterrupted while sending.*moved on by more than 100 messages/);
    const refused = await kit.cli('outbox', 'retry');
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.out).toMatch(/^0 replies queued[\s\S]*1 left alone because they may already have been delivered.*--force/);
    expect(await kit.health()).toMatchObject({ outboxDead: 1 });
    expect((await kit.cli('outbox', 'retry', '--force', String(deadLetters[0].id))).out).toMatch(/^1 reply queued/);
    await eventually(async () => sends() === 2);
  });

  it('with WAMM_TIMEZONE set, the time of the message is checked too', async () => {
    const g = await killMidSend('timed');
    kit.wamm.hold = undefined;
    g.open();
    await eventually(async () => kit.wamm.sent.length === 1);
    await kit.restart({ WAMM_TIMEZONE: 'UTC' });
    await eventually(async () => (await outbound())[0]?.status === 'sent');
    await new Promise((r) => setTimeout(r, 300));
    expect(kit.wamm.calls('msg_to')).toBe(1);
  });

  it('SIGTERM waits for the send on the wire, then exits 0; nothing is left to recover', async () => {
    const g = gate();
    kit.wamm.hold = g.promise;
    expect((await kit.post(wammMsg(1, 'finish me'))).status).toBe(200);
    await eventually(async () => kit.wamm.calls('msg_to') === 1);
    const exited = kit.sb.stop('SIGTERM');
    await eventually(async () => kit.sb.logs.some((l) => l.includes('draining in-flight work')));
    expect(kit.sb.child.exitCode).toBeNull(); // still draining while WAMM holds the request
    g.open();
    expect(await exited).toBe(0);
    expect(kit.wamm.sent).toHaveLength(1);
    kit.wamm.hold = undefined;
    await kit.restart();
    expect((await outbound())[0]).toMatchObject({ status: 'sent', externalId: String(kit.wamm.sent[0]!.msg_id) });
    expect(kit.wamm.calls('msg_get')).toBe(0); // nothing was interrupted
  });
});

describe('a drain bound (SHUTDOWN_TIMEOUT_MS=500) with a send stuck on the wire (real process, fake WAMM)', () => {
  let kit: WammKit;
  beforeEach(async () => {
    kit = await new WammKit().start({ WAMM_TIMEZONE: undefined, SHUTDOWN_TIMEOUT_MS: '500' });
  });
  afterEach(() => kit.stop());
  const outbound = () => outboundOf(kit);

  it('SIGTERM gives up after SHUTDOWN_TIMEOUT_MS and the next start recovers the send', async () => {
    const g = gate();
    kit.wamm.hold = g.promise;
    expect((await kit.post(wammMsg(1, 'stuck'))).status).toBe(200);
    await eventually(async () => kit.wamm.calls('msg_to') === 1);
    expect(await kit.sb.stop('SIGTERM')).toBe(0);
    expect(kit.sb.logs.join('\n')).toMatch(/drain took too long/);
    kit.wamm.hold = undefined;
    kit.wamm.failNext = ['reset'];
    g.open();
    await kit.restart();
    await eventually(async () => kit.wamm.sent.length === 1);
    await eventually(async () => (await outbound())[0]?.status === 'sent');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/process';
import { prng } from './prng';
import { wammMsg, WammKit } from './wamm-kit';

/**
 * SIGKILL at seeded random moments while a provider keeps delivering to several conversations,
 * then a restart on the same DATA_DIR: every delivery that got its 200 is processed, every reply
 * reaches WAMM exactly once (counted at the fake), and each conversation's replies keep its order.
 * The "provider" retries a delivery until it gets a 200, as WAMM does.
 */
const CONVERSATIONS = 4;
const PER_CONVERSATION = 25;
const KILLS = 3;

describe('crash under load (real process, fake WAMM)', () => {
  const kit = new WammKit();
  beforeAll(() => kit.start({ WAMM_POLL_INTERVAL_MS: '3600000' }));
  afterAll(() => kit.stop());

  it('after SIGKILLs, every acknowledged delivery is answered exactly once, in order per conversation', async () => {
    const random = prng(Number(process.env.CRASH_SEED ?? 20261121));
    let acked = 0;
    let restarting: Promise<void> | undefined;
    const killAt = Array.from({ length: KILLS }, (_, i) => Math.floor(((i + 1) * CONVERSATIONS * PER_CONVERSATION) / (KILLS + 1) + (random() - 0.5) * 20));
    const kills: number[] = [];
    const logs: string[] = [];

    const deliver = async (body: unknown) => {
      for (;;) {
        if (restarting) await restarting;
        try {
          const r = await kit.post(body);
          if (r.status === 200) return;
        } catch {
          /* killed mid-request: retry like the provider does */
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    await Promise.all(
      Array.from({ length: CONVERSATIONS }, async (_, c) => {
        for (let i = 0; i < PER_CONVERSATION; i++) {
          await deliver(wammMsg(c * 1000 + i + 1, `c${c}-m${i}`, { phone: `7930000000${c}` }));
          acked++;
          if (!restarting && kills.length < KILLS && acked >= killAt[kills.length]!) {
            kills.push(acked);
            restarting = (async () => {
              await new Promise((r) => setTimeout(r, random() * 30)); // land the kill anywhere in the pipeline
              await kit.sb.stop('SIGKILL');
              logs.push(...kit.sb.logs);
              await kit.restart();
            })().finally(() => (restarting = undefined));
          }
        }
      }),
    );
    if (restarting) await restarting;
    expect(kills).toHaveLength(KILLS);

    const total = CONVERSATIONS * PER_CONVERSATION;
    await eventually(async () => new Set(kit.wamm.sent.map((s) => s.text)).size === total, 60_000);
    await kit.sb.stop(); // SIGTERM: drain, then count
    const texts = kit.wamm.sent.map((s) => s.text);
    expect(texts).toHaveLength(total); // exactly once each
    for (let c = 0; c < CONVERSATIONS; c++) {
      const order = kit.wamm.sent.filter((s) => s.phone === `7930000000${c}`).map((s) => Number(s.text.split('-m')[1]));
      expect(order).toEqual(Array.from({ length: PER_CONVERSATION }, (_, i) => i));
    }
    logs.push(...kit.sb.logs);
    await kit.restart();
    expect(await kit.health()).toMatchObject({ outboxPending: 0, outboxDead: 0 });
    if (process.env.CRASH_REPORT) {
      const interrupted = logs.filter((l) => l.includes('reply interrupted mid-send')).map((l) => JSON.parse(l).result);
      process.stdout.write(
        `crash test: kills after ${kills.join(', ')} acks; sends interrupted: ${JSON.stringify(interrupted)}; msg_to calls ${kit.wamm.calls('msg_to')}\n`,
      );
    }
  }, 120_000);
});

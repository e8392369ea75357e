import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/process';
import { prng } from './prng';
import { wammMsg, WammKit } from './wamm-kit';

/**
 * The promise "a crash never sends a reply twice and never loses one" with the default
 * configuration (no WAMM_TIMEZONE): 200 messages over 20 chats of one account, SIGKILL while
 * replies are on the wire at WAMM, restart on the same DATA_DIR. The fake WAMM keeps a chat's
 * whole history like the service (customers' messages too, ids growing across chats); a send the
 * dead process had on the wire either reached it or not (seeded). Recovery matches each
 * interrupted send by the chat's highest msg_id known before it went out and its text, one to one
 * (the texts repeat within a chat on purpose), so nothing becomes a dead letter.
 */
const SEEDS = (process.env.CRASH_SEEDS ?? '20261204,7,1313,424242').split(',').map(Number);
const CHATS = 20;
const PER_CHAT = 10;
const KILLS = 2;

describe('crash with the default configuration (real process, fake WAMM, no WAMM_TIMEZONE)', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: ${CHATS * PER_CHAT} messages, ${KILLS} SIGKILLs with replies in flight: each answered exactly once, no dead letters`, async () => {
      const random = prng(seed);
      const kit = new WammKit();
      try {
        await kit.start({ WAMM_TIMEZONE: undefined });
        kit.wamm.wire.delayMs = 40; // replies stay on the wire long enough to be cut by a kill
        kit.wamm.wire.dropAborted = () => random() < 0.5;
        const total = CHATS * PER_CHAT;
        const killAt = Array.from({ length: KILLS }, (_, i) => Math.floor(((i + 1) * total) / (KILLS + 1) + (random() - 0.5) * 30));
        const expected = new Map<string, number>();
        let acked = 0;
        let restarting: Promise<void> | undefined;
        const logs: string[] = [];
        let kills = 0;

        const deliver = async (body: unknown) => {
          for (;;) {
            if (restarting) await restarting;
            try {
              if ((await kit.post(body)).status === 200) return;
            } catch {
              /* killed mid-request: retry like WAMM does */
            }
            await new Promise((r) => setTimeout(r, 20));
          }
        };
        const killWhileSending = async () => {
          await eventually(async () => kit.wamm.wire.inFlight > 0, 20_000);
          await kit.sb.stop('SIGKILL');
          logs.push(...kit.sb.logs);
          await kit.restart();
        };

        await Promise.all(
          Array.from({ length: CHATS }, async (_, c) => {
            const phone = `79300000${String(c).padStart(3, '0')}`;
            for (let i = 0; i < PER_CHAT; i++) {
              const text = `c${c} answer ${i % 3}`; // the same text several times in a chat
              expected.set(`${phone} ${text}`, (expected.get(`${phone} ${text}`) ?? 0) + 1);
              const m = kit.wamm.incoming(phone, text);
              await deliver(wammMsg(m.msg_id, text, { phone }));
              acked++;
              if (!restarting && kills < KILLS && acked >= killAt[kills]!) {
                kills++;
                restarting = killWhileSending().finally(() => (restarting = undefined));
              }
            }
          }),
        );
        if (restarting) await restarting;
        expect(kills).toBe(KILLS);

        const answered = () => {
          const counts = new Map<string, number>();
          for (const s of kit.wamm.sent) counts.set(`${s.phone} ${s.text}`, (counts.get(`${s.phone} ${s.text}`) ?? 0) + 1);
          return counts;
        };
        await eventually(async () => kit.wamm.sent.length >= total, 60_000);
        await eventually(async () => (await kit.health()).outboxPending === 0, 20_000);
        await kit.sb.stop(); // SIGTERM: drain, then count
        logs.push(...kit.sb.logs);
        expect(Object.fromEntries(answered())).toEqual(Object.fromEntries(expected)); // exactly once per message, counted per text
        await kit.restart();
        expect(await kit.health()).toMatchObject({ outboxPending: 0, outboxDead: 0 });
        const interrupted = logs.filter((l) => l.includes('reply interrupted mid-send')).map((l) => JSON.parse(l).result as string);
        expect(interrupted.length).toBeGreaterThanOrEqual(1);
        expect(interrupted.filter((r) => r === 'dead-lettered')).toEqual([]);
        if (process.env.CRASH_REPORT)
          process.stdout.write(`seed ${seed}: kills after ${killAt.join(', ')} acks; interrupted sends: ${JSON.stringify(interrupted)}\n`);
      } finally {
        await kit.stop();
      }
    }, 120_000);
  }
});

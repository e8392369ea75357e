import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBot } from '../../src/bots/define';
import { eventually } from '../helpers/process';
import { gate, startInProcess, type InProcess } from './in-process';
import { wammMsg } from './wamm-kit';

/**
 * Order and isolation of bot runs: one conversation's messages one at a time in WAMM msg_id order,
 * conversations in parallel, a slow bot (a "30 s model call" that ends when the test says) holding
 * back neither the webhook's 200 nor other conversations. With vercel/chat's lock bugs as cases:
 * #180 (concurrent duplicate deliveries ran the bot twice), #685 (a lock expiring during a long
 * handler let a second run start), #928 (a message arriving as a conversation's run finished was
 * stranded). Leases are made short (100 ms) so a slow bot outlives many of them.
 */
const SECRET = 'order-secret-123';
const seen: string[] = [];
const gates = new Map<string, Promise<void>>();
const entered = new Set<string>();
const active = new Map<string, number>();
let maxActive = 0;
let chain: ((n: number) => void) | undefined;

const recorder = defineBot({
  name: 'recorder',
  async onMessage(ctx) {
    const chat = ctx.conversation!.externalId;
    const id = ctx.message!.externalId!;
    active.set(chat, (active.get(chat) ?? 0) + 1);
    maxActive = Math.max(maxActive, active.get(chat)!);
    seen.push(`${chat.split(':')[1]}/${id}`);
    entered.add(id);
    try {
      await gates.get(id);
      const n = Number(id);
      if (chain && n >= 9000 && n < 9030) chain(n + 1); // the next message arrives as this run ends
    } finally {
      active.set(chat, active.get(chat)! - 1);
    }
  },
});

describe('per-conversation order (in-process server, real pipeline)', () => {
  let s: InProcess;
  const post = (id: number, phone: string) =>
    fetch(`${s.url}/webhooks/wamm/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(wammMsg(id, `m${id}`, { phone })),
    });
  const of = (phone: string) => seen.filter((x) => x.startsWith(`${phone}/`)).map((x) => Number(x.split('/')[1]));

  beforeAll(async () => {
    s = await startInProcess({ WAMM_WEBHOOK_SECRET: SECRET, SWITCHBOARD_LEASE_MS: '100', BOTS: 'echo' }, [recorder]);
  });
  afterAll(() => s.stop());

  it('a slow bot delays neither the 200 nor other conversations; its conversation waits, then runs in msg_id order', async () => {
    const slow = gate();
    gates.set('10', slow.promise);
    expect((await post(10, '700')).status).toBe(200);
    await eventually(async () => entered.has('10'));
    // While the model call is "running": later messages of 700 out of order, and another chat.
    const answers = await Promise.all([post(13, '700'), post(12, '700'), post(20, '701'), post(11, '700'), post(21, '701')]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await eventually(async () => of('701').length === 2);
    expect(of('701')).toEqual([20, 21]);
    // Many lease lifetimes pass while the bot holds conversation 700: nobody else runs it (#685).
    await new Promise((r) => setTimeout(r, 600));
    expect(of('700')).toEqual([10]);
    // Order is among what is known: let 11-13 be stored before the bot finishes.
    await eventually(async () => {
      const c = await s.sb.store.findConversation({ provider: 'wamm', externalId: '79990000000:700' });
      return c && (await s.sb.store.listMessages(c.id)).length === 4;
    });
    slow.open();
    await eventually(async () => of('700').length === 4);
    expect(of('700')).toEqual([10, 11, 12, 13]);
    expect(maxActive).toBe(1);
  });

  it('#180: the same delivery arriving 20 times at once runs the bot once', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(500, '702')));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as { stored: number; duplicates: number }[];
    expect(bodies.reduce((n, b) => n + b.stored, 0)).toBe(1);
    await eventually(async () => of('702').length === 1);
    await s.sb.idle();
    expect(of('702')).toEqual([500]);
  });

  it('#928: a message arriving just as its conversation finishes a run is still processed (30 in a chain)', async () => {
    chain = (n) => void post(n, '703');
    expect((await post(9000, '703')).status).toBe(200);
    await eventually(async () => of('703').length === 31, 20_000);
    expect(of('703')).toEqual(Array.from({ length: 31 }, (_, i) => 9000 + i));
    expect(maxActive).toBe(1);
  });
});

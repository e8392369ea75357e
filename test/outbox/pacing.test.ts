import { describe, expect, it } from 'vitest';
import type { Conversation } from '../../src/model';
import { Pacer } from '../../src/outbox/pacing';

/** The outbox's send spacing, on a clock the test moves. */
const conv = (id: number, account = 'acc-1'): Conversation => ({
  id,
  provider: 'p',
  externalId: String(id),
  title: null,
  status: 'open',
  address: { account },
  lastMessageAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('Pacer', () => {
  it('Telegram-like: 1 message per second per chat, 30 per second overall', () => {
    const now = 0;
    const pacer = new Pacer(new Map([['telegram', { perConversationMs: 1000, globalPerSecond: 30 }]]), () => now);
    expect(pacer.reserve('telegram', conv(1))).toBe(0);
    expect(pacer.reserve('telegram', conv(1))).toBe(1000); // same chat: a second later
    const waits = Array.from({ length: 60 }, (_, i) => pacer.reserve('telegram', conv(100 + i)));
    // Different chats: spaced 1000/30 ms overall, so no 1 s window holds more than 30 sends.
    const at = waits.map((w) => w + now);
    for (let i = 30; i < at.length; i++) expect(at[i]! - at[i - 30]!).toBeGreaterThanOrEqual(999.99);
  });

  it('WAMM-like: sends from one account are spaced, other accounts are not held', () => {
    let now = 0;
    const pacer = new Pacer(new Map([['wamm', { perAccountMs: 3000, account: (c: Conversation) => String(c.address.account) }]]), () => now);
    expect([1, 2, 3].map((id) => pacer.reserve('wamm', conv(id)))).toEqual([0, 3000, 6000]);
    expect(pacer.reserve('wamm', conv(4, 'acc-2'))).toBe(0);
    now = 10_000;
    expect(pacer.reserve('wamm', conv(1))).toBe(0);
  });

  it('a Retry-After pause holds every send of that provider only', () => {
    const now = 0;
    const pacer = new Pacer(new Map([['telegram', { globalPerSecond: 30 }]]), () => now);
    pacer.pause('telegram', 5000);
    expect(pacer.reserve('telegram', conv(1))).toBe(5000);
    expect(pacer.reserve('other', conv(1))).toBe(0);
  });

  it('release() keeps the spacing between requests that really went out', () => {
    let now = 0;
    const pacer = new Pacer(new Map([['wamm', { perAccountMs: 3000 }]]), () => now);
    expect(pacer.release('wamm', conv(1))).toBe(0);
    now = 2500; // the next send was prepared early (its slot came from an earlier reservation)
    expect(pacer.release('wamm', conv(2))).toBe(500);
  });
});

describe('Pacer bookkeeping', () => {
  it('prunes at most once a second however many conversations send, and only keys past every gap', () => {
    let now = 0;
    const pacer = new Pacer(new Map([['telegram', { perConversationMs: 1000, globalPerSecond: 1_000_000 }]]), () => now);
    // 30,000 different chats inside one second: every key is still live, nothing can be dropped.
    for (let i = 0; i < 30_000; i++) {
      now = i / 30;
      pacer.reserve('telegram', conv(i));
    }
    expect(pacer.prunes).toBeLessThanOrEqual(1);
    expect(pacer.size).toBeGreaterThanOrEqual(30_000);
    // Two seconds later every per-chat slot is past its 1 s gap: the next pass drops them.
    now = 3000;
    pacer.reserve('telegram', conv(1));
    expect(pacer.size).toBeLessThan(10);
    // And a chat that sent just now is still held back.
    expect(pacer.reserve('telegram', conv(1))).toBe(1000);
  });
});

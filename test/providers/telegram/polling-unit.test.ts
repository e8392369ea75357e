import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env';
import { createLogger } from '../../../src/base/log';
import { createTelegram } from '../../../src/providers/telegram/client';
import { runPolling } from '../../../src/providers/telegram/polling';
import type { Delivery, ProviderRuntime } from '../../../src/providers/types';
import { FakeTelegram } from '../../fakes/telegram';
import { eventually } from '../../helpers/process';

/**
 * The getUpdates loop on its own, against the fake Bot API, with a runtime whose store is a Map:
 * leadership decides who polls, a regained leadership re-reads the shared offset, and a poll
 * ended by another poller is retried.
 */
describe('Telegram polling loop', () => {
  const fake = new FakeTelegram();
  const lines: string[] = [];
  const cursors = new Map<string, string>();
  const stored: Delivery[] = [];
  let leader = false;
  /** The loop asked while it was not the leader (so it let go of the poll and its offset). */
  let sawFollower = false;
  const abort = new AbortController();
  let loop: Promise<void>;

  beforeAll(async () => {
    await fake.start();
    const config = loadConfig(fake.env());
    const rt: ProviderRuntime = {
      config,
      log: createLogger({ level: 'debug', secrets: [fake.token], stream: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) }),
      signal: abort.signal,
      isLeader: () => {
        if (!leader) sawFollower = true;
        return leader;
      },
      ingest: async (ds) => {
        const fresh = ds.filter((d) => !stored.some((s) => s.key === d.key));
        stored.push(...fresh);
        return { stored: fresh.length, duplicates: ds.length - fresh.length };
      },
      getCursor: async (k) => cursors.get(k),
      setCursor: async (k, v) => void cursors.set(k, v),
      recordPoll: async () => {},
      recentConversations: async () => [],
    };
    loop = runPolling(createTelegram(fake.token, fake.url), rt, { timeoutSeconds: 1 });
  });
  afterAll(async () => {
    abort.abort();
    await loop;
    await fake.stop();
  });

  const chat = { id: 99, type: 'private' as const, first_name: 'P' };

  it('does not poll while another instance leads', async () => {
    fake.enqueue(fake.messageUpdate({ chat, text: 'a' }));
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.calls.filter((c) => c.method === 'getUpdates')).toHaveLength(0);
    leader = true;
    await eventually(async () => stored.length === 1);
    expect(stored[0]!.key).toMatch(/^update:\d+$/);
    expect(cursors.get('offset')).toBe(String((stored[0]!.payload as { update_id: number }).update_id + 1));
  });

  it('re-reads the shared offset when it becomes the poller again', async () => {
    leader = false;
    sawFollower = false;
    await eventually(async () => lines.some((l) => l.includes('telegram updates polled')));
    // The running long poll ends and the loop sees it no longer leads (a fixed wait flaked on busy cores).
    await eventually(async () => sawFollower);
    // Meanwhile another instance stored and confirmed two updates.
    const other = [fake.messageUpdate({ chat, text: 'b' }), fake.messageUpdate({ chat, text: 'c' })];
    cursors.set('offset', String(other[1]!.update_id + 1));
    const before = fake.calls.length;
    leader = true;
    const poll = await eventually(async () => fake.calls.slice(before).find((c) => c.method === 'getUpdates'));
    expect(Number(poll.params.offset)).toBe(other[1]!.update_id + 1);
  });

  it('retries when another poller ends its getUpdates (409 terminated), saying why', async () => {
    fake.failNext.push({
      method: 'getUpdates',
      error_code: 409,
      description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    });
    await eventually(async () => lines.some((l) => l.includes('another process polls with the same token')), 15_000);
    fake.enqueue(fake.messageUpdate({ chat, text: 'd' }));
    await eventually(async () => stored.length === 2, 15_000);
    expect(lines.join('\n')).not.toContain(fake.token.split(':')[1]!);
  });

  it('names the call that failed: a refused deleteWebhook is not logged as a failed getUpdates', async () => {
    // A 409 that is not another poller: a webhook is set, so the loop deletes it again, and that fails.
    fake.failNext.push({ method: 'getUpdates', error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active" });
    fake.failNext.push({ method: 'deleteWebhook', status: 502 });
    const line = await eventually(async () => lines.find((l) => l.includes('failed; retrying with backoff')), 15_000);
    expect(JSON.parse(line)).toMatchObject({ message: 'Telegram deleteWebhook failed; retrying with backoff', call: 'deleteWebhook' });
    fake.enqueue(fake.messageUpdate({ chat, text: 'e' }));
    await eventually(async () => stored.length === 3, 15_000);
  });
});

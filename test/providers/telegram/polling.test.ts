import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram, type FakeChat, type FakeUpdate } from '../../fakes/telegram';
import { eventually, startServer, tempDir, type ServerProcess } from '../../helpers/process';

/**
 * Telegram long polling (no TELEGRAM_WEBHOOK_SECRET) through the real server process and the fake
 * Bot API: the webhook is deleted, updates waiting before start are fetched and answered in order,
 * the offset is stored and confirmed, a restart answers nothing twice (also when the offset was never
 * saved and Telegram hands the batch out again), and a 409 is explained in the log and recovered.
 */
const ADMIN = 'admin-token-tgpoll';

describe('Telegram long polling (real server process, fake Bot API)', () => {
  const dir = tempDir();
  const fake = new FakeTelegram();
  let sb: ServerProcess;
  let env: Record<string, string>;
  const chat: FakeChat = { id: 777, type: 'private', first_name: 'Poll' };
  const handled: FakeUpdate[] = [];

  const api = async (path: string) => {
    const r = await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.status).toBe(200);
    return r.json() as Promise<any>;
  };
  const health = async () => (await api('/api/health')).providers.find((p: any) => p.provider === 'telegram');
  const sentTexts = () => fake.sent.map((s) => s.text);
  const queue = (text: string, c = chat) => {
    const u = fake.enqueue(fake.messageUpdate({ chat: c, text }));
    handled.push(u);
    return u;
  };

  beforeAll(async () => {
    await fake.start();
    // A webhook left over from an earlier deployment, and two updates waiting behind it.
    fake.webhook = { url: 'https://old.example.com/hook' };
    queue('one');
    queue('two');
    env = { DATA_DIR: dir.path, ...fake.env(), ADMIN_TOKEN: ADMIN, BOTS: 'echo' };
    sb = await startServer(env);
  });
  afterAll(async () => {
    await sb?.stop();
    await fake.stop();
    dir.remove();
  });

  it('deletes the webhook (keeping pending updates) and answers what was waiting, in order', async () => {
    await eventually(async () => sentTexts().length === 2);
    expect(sentTexts()).toEqual(['one', 'two']);
    // Paced like Telegram asks (about one message per second in a chat): a lower bound only.
    const sends = fake.calls.filter((c) => c.method === 'sendMessage');
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(950);
    const del = fake.calls.find((c) => c.method === 'deleteWebhook')!;
    expect(del.params).toMatchObject({ drop_pending_updates: false });
    expect(fake.webhook).toBeUndefined();
    expect(sb.logs.some((l) => l.includes('(no webhook: polling)'))).toBe(true);
  });

  it('confirms the batch with the next offset only after storing it, and records the poll', async () => {
    const last = handled.at(-1)!.update_id;
    await eventually(async () => fake.confirmedOffset === last + 1);
    expect(fake.pending).toEqual([]);
    const h = await health();
    expect(h).toMatchObject({ deliveries: 2, gaps: 0 });
    expect(h.lastPollAt).toEqual(expect.any(String));
  });

  it('picks up an update while long-polling', async () => {
    queue('three');
    await eventually(async () => sentTexts().length === 3);
    expect(sentTexts()[2]).toBe('three');
  });

  it('restarts from the stored offset and answers nothing twice', async () => {
    await eventually(async () => fake.confirmedOffset === handled.at(-1)!.update_id + 1);
    expect(await sb.stop()).toBe(0);
    const callsBefore = fake.calls.length;
    sb = await startServer(env);
    const firstPoll = await eventually(async () => fake.calls.slice(callsBefore).find((c) => c.method === 'getUpdates'));
    expect(Number(firstPoll.params.offset)).toBe(handled.at(-1)!.update_id + 1);
    queue('four');
    await eventually(async () => sentTexts().length === 4);
    expect(sentTexts()).toEqual(['one', 'two', 'three', 'four']);
  });

  it('stores a re-fetched batch as duplicates when the offset was lost in a crash', async () => {
    expect(await sb.stop()).toBe(0);
    // A crash after storing a batch but before saving its offset: the stored offset is behind and
    // Telegram, never confirmed, hands the same updates out again.
    const db = new Database(join(dir.path, 'switchboard.db'));
    db.prepare("UPDATE cursors SET value = ? WHERE key = 'telegram:offset'").run(String(handled[0]!.update_id));
    db.close();
    fake.pending = handled.map((u) => structuredClone(u));
    sb = await startServer(env);
    await eventually(async () => fake.pending.length === 0 && fake.confirmedOffset === handled.at(-1)!.update_id + 1);
    await eventually(async () => (await health()).duplicatesDropped === handled.length);
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTexts()).toEqual(['one', 'two', 'three', 'four']);
  });

  it('explains a 409 (webhook set elsewhere) in the log, deletes the webhook and carries on', async () => {
    fake.webhook = { url: 'https://someone-else.example.com/hook' };
    queue('five'); // wakes the waiting long poll; the next getUpdates meets the webhook
    await eventually(async () => sb.logs.some((l) => l.includes('409 Conflict') && l.includes('TELEGRAM_WEBHOOK_SECRET')));
    await eventually(async () => fake.webhook === undefined);
    queue('six');
    await eventually(async () => sentTexts().length === 6, 15_000);
    expect(sentTexts().slice(4)).toEqual(['five', 'six']);
  });

  it('never writes the bot token into its logs', () => {
    const all = sb.logs.join('\n');
    expect(all).not.toContain(fake.token.split(':')[1]!);
  });
});

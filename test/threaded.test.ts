import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram, type FakeChat } from './fakes/telegram';
import { eventually, startServer, tempDir, type ServerProcess } from './helpers/process';

/**
 * `npm start` with the processing thread (PROCESSING_THREAD, on by default) and without it, and
 * `npm run dev` (the sources under tsx, where the processing thread registers tsx itself): the
 * same webhook → stored → 200 → echo → one sendMessage either way, the replies the processing
 * thread sent counted on the receiving thread's /metrics, and a clean SIGTERM.
 */
const SECRET = 'threaded-secret-123';

describe.each([
  ['on', 'build'],
  ['off', 'build'],
  ['on', 'sources'],
] as const)('PROCESSING_THREAD=%s, running the %s', (mode, from) => {
  const dir = tempDir();
  const fake = new FakeTelegram();
  let sb: ServerProcess;
  const post = (body: unknown) =>
    fetch(`${sb.url}/webhooks/telegram/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    await fake.start();
    sb = await startServer({
      DATA_DIR: dir.path,
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: fake.url,
      PUBLIC_URL: 'https://bot.example.com',
      BOTS: 'echo',
      PROCESSING_THREAD: mode,
    }, { from });
  });
  afterAll(async () => {
    await fake.stop();
    dir.remove();
  });

  it('says where processing runs', async () => {
    const started = await eventually(async () => sb.logs.map((l) => JSON.parse(l)).find((l) => String(l.message).startsWith('Switchboard listening')));
    expect(started).toMatchObject({ bots: ['echo'], processing: mode === 'on' ? 'own thread' : 'receiving thread' });
  });

  it('answers each of 20 updates (and a retry of one) exactly once, in order per chat', async () => {
    // Ten chats, two messages each: Telegram's pacing allows one send per chat per second.
    const chats: FakeChat[] = Array.from({ length: 10 }, (_, i) => ({ id: 4200 + i, type: 'private', first_name: `T${i}` }));
    const updates = [0, 1].flatMap((n) => chats.map((chat) => fake.messageUpdate({ chat, text: `${chat.id}-${n}` })));
    for (const u of updates) expect((await post(u)).status).toBe(200);
    const again = await post(updates[3]);
    expect(await again.json()).toMatchObject({ stored: 0, duplicates: 1 });
    await eventually(async () => fake.sent.length >= 20);
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.sent).toHaveLength(20);
    for (const chat of chats) expect(fake.sent.filter((s) => s.chat_id === String(chat.id)).map((s) => s.text)).toEqual([`${chat.id}-0`, `${chat.id}-1`]);
  });

  it('counts the replies sent on /metrics', async () => {
    await eventually(async () => {
      const text = await (await fetch(`${sb.url}/metrics`)).text();
      return /switchboard_replies_sent_total\{provider="telegram"\} 20\b/.test(text);
    });
  });

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await sb.stop()).toBe(0);
    expect(sb.logs.some((l) => l.includes('"stopped"'))).toBe(true);
  });
});

import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram, type FakeChat } from '../fakes/telegram';
import { eventually, startServer, tempDir, type ServerProcess } from '../helpers/process';

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
    sb = await startServer(
      {
        DATA_DIR: dir.path,
        ...fake.env(SECRET),
        PUBLIC_URL: 'https://bot.example.com',
        BOTS: 'echo',
        PROCESSING_THREAD: mode,
      },
      { from },
    );
  });
  afterAll(async () => {
    await fake.stop();
    dir.remove();
  });

  it('says where processing runs', async () => {
    const started = await eventually(async () => sb.logs.map((l) => JSON.parse(l)).find((l) => /^Switchboard \S+ listening on port/.test(String(l.message))));
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

/**
 * npm start passes --max-semi-space-size=4 for the receiving thread; the processing thread must
 * still get its own 16 MB young generation (processingThreadLimits in src/app/threaded-switchboard.ts). Checked in
 * a process started with that flag: a worker made with the limits churns short-lived objects and
 * reports how large its new space grew.
 */
describe('processing thread heap limits under npm start flags', () => {
  const run = (useLimits: boolean) => {
    const script = `
      import { Worker } from 'node:worker_threads';
      import { processingThreadLimits } from './src/app/threaded-switchboard.ts';
      const resourceLimits = ${useLimits} ? processingThreadLimits() : { maxYoungGenerationSizeMb: 16 };
      const code = "Promise.all([import('node:v8'), import('node:worker_threads')]).then(([v8, wt]) => { let a = []; for (let i = 0; i < 3e6; i++) { a.push({ i, s: 'x' + i }); if (a.length > 200000) a = []; } " +
        "wt.parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size); });";
      const w = new Worker(code, { eval: true, resourceLimits });
      w.on('message', (size) => { console.log(size); process.exit(0); });
    `;
    const r = spawnSync(process.execPath, ['--max-semi-space-size=4', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    return Number(r.stdout.trim()) / 2 ** 20;
  };

  it('gives the processing thread a 16 MB young generation although the flag caps the receiving thread at 4 MB semi-spaces', () => {
    expect(run(true)).toBeGreaterThan(12);
    // The flag alone would have won over resourceLimits (what the profile showed).
    expect(run(false)).toBeLessThanOrEqual(8.5);
  });
});

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../../fakes/telegram';
import { startServer, tempDir } from '../../helpers/process';

/**
 * telegraf is loaded by a server that runs a Telegram bot, and only by one: a server without
 * TELEGRAM_BOT_TOKEN used to load it on both of its threads anyway (about 30 ms of CPU each per
 * start, src/providers/telegram/telegraf.ts). The real process, with a preload that writes down, as
 * each thread exits, which of telegraf's files that thread had loaded.
 */
const PRELOAD = `
const { writeFileSync } = require('node:fs');
const { threadId } = require('node:worker_threads');
process.on('exit', () => {
  const files = Object.keys(require.cache).filter((f) => f.includes('/node_modules/telegraf/'));
  writeFileSync(require('node:path').join(process.env.LOADED_DIR, 'thread-' + threadId + '.json'), JSON.stringify(files));
});
`;

describe('telegraf is loaded only when Telegram is configured (real server process)', () => {
  const dirs: { remove(): void }[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });

  /** Start, stop with SIGTERM, and return each thread's telegraf files. */
  async function loadedBy(env: Record<string, string>): Promise<string[][]> {
    const dir = tempDir();
    dirs.push(dir);
    writeFileSync(join(dir.path, 'preload.cjs'), PRELOAD);
    const sb = await startServer({
      DATA_DIR: dir.path,
      LOADED_DIR: dir.path,
      NODE_OPTIONS: `--require ${join(dir.path, 'preload.cjs')}`,
      BOTS: 'echo',
      ...env,
    });
    expect(await sb.stop('SIGTERM')).toBe(0);
    const reports = readdirSync(dir.path).filter((f) => f.startsWith('thread-'));
    return reports.map((f) => JSON.parse(readFileSync(join(dir.path, f), 'utf8')) as string[]);
  }

  it('not by a server without TELEGRAM_BOT_TOKEN, on either thread', async () => {
    const threads = await loadedBy({ WAMM_WEBHOOK_SECRET: 'lazy-wamm-secret' });
    expect(threads).toHaveLength(2); // the receiving thread and the processing thread both reported
    expect(threads).toEqual([[], []]);
  });

  it('by a server with a Telegram bot', async () => {
    const fake = new FakeTelegram();
    await fake.start();
    try {
      const threads = await loadedBy({ ...fake.env('lazy-tg-secret'), PUBLIC_URL: 'https://bot.example.com' });
      expect(threads.some((files) => files.some((f) => f.endsWith('telegraf/lib/index.js') || f.includes('telegraf/lib/telegram.js')))).toBe(true);
    } finally {
      await fake.stop();
    }
  });
});

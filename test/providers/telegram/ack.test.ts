import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBot } from '../../../src/bots/define';
import { loadConfig } from '../../../src/config/env';
import { createLogger } from '../../../src/base/log';
import { createSwitchboard, type Switchboard } from '../../../src/app/switchboard';
import { FakeTelegram } from '../../fakes/telegram';
import { eventually, tempDir } from '../../helpers/process';
import { Writable } from 'node:stream';

/**
 * The Telegram 200 goes out once the update is stored, not when the bot has finished (issue 3):
 * a bot that blocks until the test releases it must not hold the webhook answer, and the stored
 * update is answered after the 200. In-process (a bot defined here), over real HTTP.
 */
const SECRET = 'tg-ack-secret';

describe('Telegram webhook answer vs a slow bot', () => {
  const dir = tempDir();
  const fake = new FakeTelegram();
  let sb: Switchboard;
  let url: string;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const started: string[] = [];

  const slow = defineBot({
    name: 'slow',
    async onMessage(ctx) {
      started.push(ctx.message!.text ?? '');
      await released; // a 30 s model call, as long as the test wants
      await ctx.reply(`done: ${ctx.message!.text}`);
    },
  });

  beforeAll(async () => {
    await fake.start();
    const config = loadConfig({ DATA_DIR: dir.path, ...fake.env(SECRET), BOTS: '' });
    const log = createLogger({ level: 'warn', secrets: [], stream: new Writable({ write: (_c, _e, cb) => cb() }) });
    sb = await createSwitchboard(config, { bots: [slow], log });
    url = `http://127.0.0.1:${(await sb.listen(0)).port}`;
  });
  afterAll(async () => {
    release();
    await sb?.stop();
    await fake.stop();
    dir.remove();
  });

  it('answers 200 while the bot is still running, then sends the reply when it finishes', async () => {
    const u = fake.messageUpdate({ chat: { id: 8080, type: 'private', first_name: 'Ack' }, text: 'slow question' });
    const r = await fetch(`${url}/webhooks/telegram/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      body: JSON.stringify(u),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ stored: 1 });
    await eventually(async () => started.length === 1);
    expect(fake.sent).toHaveLength(0); // the bot is still waiting: the 200 did not wait for it
    release();
    await eventually(async () => fake.sent.length === 1);
    expect(fake.sent[0]).toMatchObject({ chat_id: '8080', text: 'done: slow question' });
    await sb.idle(); // the outbox records the send; stopping before that would close the store under it
  });
});

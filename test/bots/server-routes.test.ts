import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { createLogger } from '../../src/base/log';
import { createSwitchboard, type Switchboard } from '../../src/app/switchboard';
import { eventually, SERVER, startServer, tempDir } from '../helpers/process';

/** createSwitchboard wiring of the bot routes, with the real WAMM adapter and the webhook route. */
describe('bots in createSwitchboard', () => {
  let sb: Switchboard | undefined;
  afterEach(async () => {
    await sb?.stop();
    sb = undefined;
  });

  it('says why a provider that could reply cannot: WAMM without WAMM_API_TOKEN', async () => {
    const lines: any[] = [];
    const stream = new Writable({
      write(chunk, _e, done) {
        for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
        done();
      },
    });
    const config = loadConfig({ DATA_DIR: ':memory:', WAMM_WEBHOOK_SECRET: 'wamm-secret-1', BOTS: 'echo' });
    sb = await createSwitchboard(config, { log: createLogger({ level: 'info', secrets: [], stream }) });
    expect(sb.routes.map((r) => r.bot.name)).toEqual(['echo']);
    const { port } = await sb.listen(0);
    const body = {
      tip: 'msg',
      msg_data: {
        msg_id: 1,
        from_me: 0,
        phone_acc: '7999',
        phone: '7900',
        chat_name: 'Ivan',
        tip_msg: 'textMessage',
        msg_text: 'hi',
        date_ins: '2024-01-01 10:00:00',
      },
    };
    const r = await fetch(`http://127.0.0.1:${port}/webhooks/wamm/wamm-secret-1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(200);
    const failed = await eventually(async () => lines.find((l) => l.receiveOnly));
    expect(failed).toMatchObject({
      level: 'warn',
      bot: 'echo',
      receiveOnly: true,
      deliveryId: 1,
      message: expect.stringContaining('wamm cannot send: its API credentials are not set'),
    });
  });
});

describe('npm start with bot routing', () => {
  const dir = tempDir('bots-start-');
  afterAll(() => dir.remove());
  const file = (name: string, body: unknown) => {
    const path = join(dir.path, name);
    writeFileSync(path, JSON.stringify(body));
    return path;
  };

  it('runs the routes of BOTS_CONFIG and says so', async () => {
    const config = file('ok.json', { routes: [{ bot: 'faq', providers: ['wamm'] }, { bot: 'echo' }] });
    const sb = await startServer({ DATA_DIR: dir.path, BOTS_CONFIG: config });
    try {
      const log = sb.logs.map((l) => JSON.parse(l));
      expect(log.find((l) => /listening/.test(l.message))).toMatchObject({ bots: ['faq', 'echo'] });
      expect(log.some((l) => l.message === `bot routes from ${config}: faq (wamm) → echo`)).toBe(true);
    } finally {
      expect(await sb.stop()).toBe(0);
    }
  });

  it.each([
    ['bad-bot.json', { routes: [{ bot: 'ech0' }] }, {}, /^Configuration error: .*bad-bot\.json: routes\.0\.bot: no bot named "ech0"/],
    [
      'bad-option.json',
      { routes: [{ bot: 'assistant', options: { history: 'all' } }] },
      { OPENAI_API_KEY: 'sk-x' },
      /bad-option\.json: routes\.0\.options\.history: /,
    ],
    ['no-key.json', { routes: [{ bot: 'assistant' }] }, {}, /^Configuration error: assistant: OPENAI_API_KEY is not set; the bot needs a key/],
  ])('refuses a bad bots config with one line naming the file and the field (%s)', (name, body, env, line) => {
    const r = spawnSync(process.execPath, SERVER, {
      env: { PATH: process.env.PATH, DATA_DIR: dir.path, PORT: '0', BOTS_CONFIG: file(name, body), ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    const lines = (r.stdout + r.stderr).trim().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).message).toMatch(line);
  });
});

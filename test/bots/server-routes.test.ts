import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { createLogger } from '../../src/log';
import { createSwitchboard, type Switchboard } from '../../src/server';
import { eventually } from '../helpers/process';

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
      msg_data: { msg_id: 1, from_me: 0, phone_acc: '7999', phone: '7900', chat_name: 'Ivan', tip_msg: 'textMessage', msg_text: 'hi', date_ins: '2024-01-01 10:00:00' },
    };
    const r = await fetch(`http://127.0.0.1:${port}/webhooks/wamm/wamm-secret-1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
    const failed = await eventually(async () => lines.find((l) => l.message === 'bot failed'));
    expect(failed).toMatchObject({ bot: 'echo', receiveOnly: true, deliveryId: 1, err: { message: expect.stringContaining('wamm cannot send: its API credentials are not set') } });
  });
});

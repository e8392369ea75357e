import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBot } from '../../src/bots/define';
import { loadConfig } from '../../src/config/env';
import { createLogger } from '../../src/base/log';
import { ReceiveOnlyError } from '../../src/model/errors';
import { createSwitchboard, type Switchboard } from '../../src/app/switchboard';
import { mqttMessage } from '../fixtures/mqttchat';
import { webinatoForm, webinatoMsg } from '../fixtures/webinato';
import { tempDir } from '../helpers/process';

/**
 * Webinato and MQTT CHAT have no send API: ctx.reply() there throws the typed ReceiveOnlyError the
 * bot can catch (and route elsewhere with ctx.send), and an uncaught one is logged, never a crash.
 */
describe('receive-only providers', () => {
  const dir = tempDir();
  const caught: unknown[] = [];
  const logs: string[] = [];
  let sb: Switchboard;
  let url: string;

  const careful = defineBot({
    name: 'careful',
    async onMessage(ctx) {
      try {
        await ctx.reply('thanks!');
      } catch (err) {
        caught.push(err);
      }
    },
  });
  const careless = defineBot({
    name: 'careless',
    async onMessage(ctx) {
      await ctx.reply('thanks!');
    },
  });

  beforeAll(async () => {
    const config = loadConfig({ DATA_DIR: dir.path, WEBINATO_WEBHOOK_SECRET: 'w-secret', MQTTCHAT_WEBHOOK_SECRET: 'm-secret', LOG_LEVEL: 'info' });
    const log = createLogger({ level: 'info', secrets: [], stream: new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }) });
    sb = await createSwitchboard(config, { bots: [careful, careless], log });
    url = `http://127.0.0.1:${(await sb.listen(0)).port}`;
  });
  afterAll(async () => {
    await sb?.stop();
    dir.remove();
  });

  it('throws ReceiveOnlyError to the bot and logs the uncaught one', async () => {
    const w = await fetch(`${url}/webhooks/webinato/w-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: webinatoForm({ batchNo: 1, msgs: [webinatoMsg(1, 'question')] }),
    });
    const m = await fetch(`${url}/webhooks/mqttchat/m-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(mqttMessage(77, 'hello')),
    });
    expect([w.status, m.status]).toEqual([200, 200]);
    await sb.idle();

    expect(caught).toHaveLength(2);
    for (const e of caught) expect(e).toBeInstanceOf(ReceiveOnlyError);
    expect((caught as ReceiveOnlyError[]).map((e) => e.provider).sort()).toEqual(['mqttchat', 'webinato']);

    // A receive-only refusal is a configuration matter: one warning naming what to set, no stack, no error.
    const failures = logs.map((l) => JSON.parse(l)).filter((l) => l.receiveOnly);
    expect(failures).toHaveLength(2);
    for (const f of failures)
      expect(f).toMatchObject({ level: 'warn', bot: 'careless', receiveOnly: true, error: 'ReceiveOnlyError', message: expect.stringMatching(/replyVia/) });
    expect(logs.map((l) => JSON.parse(l)).filter((l) => l.level === 'error')).toHaveLength(0);

    // nothing queued, and the server keeps serving
    const health = await sb.store.health();
    expect(health.every((h) => h.outboxPending === 0 && h.outboxDead === 0)).toBe(true);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});

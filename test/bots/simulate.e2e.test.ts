import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../fakes/telegram';
import { FakeWamm } from '../fakes/wamm';
import { CLI, eventually, startServer, tempDir, type ServerProcess } from '../helpers/process';

/**
 * The simulator against the real server process, with routing from a bots config file: WAMM,
 * Telegram (webhook mode), Webinato, SuperViz and MQTT CHAT webhooks posted by `npm run cli -- simulate`,
 * replies through fake WAMM and Telegram APIs, and a full operator hand-off WAMM ⇄ Telegram.
 */
const OPS = '-100777';
const secrets = {
  WAMM_WEBHOOK_SECRET: 'wamm-sim-secret',
  TELEGRAM_WEBHOOK_SECRET: 'tg-sim-secret',
  WEBINATO_WEBHOOK_SECRET: 'web-sim-secret',
  MQTTCHAT_WEBHOOK_SECRET: 'mq-sim-secret',
  SUPERVIZ_WEBHOOK_SECRET: 'sv-sim-secret',
  SUPERVIZ_WEBHOOK_HEADER: 'X-Webhook-Token',
};

function simulate(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, 'simulate', ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('simulate (real server process, bots config file)', () => {
  const dir = tempDir('simulate-');
  const wamm = new FakeWamm('wamm-api-token');
  const tg = new FakeTelegram();
  let sb: ServerProcess;
  // --wait 0: only the first call reads replies back; the rest would wait for replies that go to other chats.
  const sim = (...args: string[]) =>
    simulate([...args, '--url', sb.url, ...(args.includes('--wait') ? [] : ['--wait', '0'])], { ...secrets, ADMIN_TOKEN: 'adm' });
  const api = async (path: string) => (await fetch(`${sb.url}${path}`, { headers: { authorization: 'Bearer adm' } })).json() as Promise<any>;
  const conversation = async (provider: string, externalId: string) =>
    ((await api(`/api/conversations?provider=${provider}`)).conversations as any[]).find((c) => c.externalId === externalId);

  beforeAll(async () => {
    await Promise.all([wamm.start(), tg.start()]);
    const config = join(dir.path, 'bots.json');
    writeFileSync(
      config,
      JSON.stringify({
        routes: [
          { bot: 'handoff' },
          { bot: 'webinar-qa', providers: ['webinato', 'superviz'], options: { presenterChat: 6006 } },
          { bot: 'echo', excludeConversations: [OPS] },
        ],
        replyVia: { webinato: { provider: 'telegram', externalId: '5005' } },
      }),
    );
    sb = await startServer({
      ...secrets,
      DATA_DIR: dir.path,
      ADMIN_TOKEN: 'adm',
      BOTS_CONFIG: config,
      WAMM_API_TOKEN: 'wamm-api-token',
      WAMM_API_URL: wamm.url,
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.url,
      TELEGRAM_OPERATOR_CHAT_ID: OPS,
    });
  });
  afterAll(async () => {
    await sb?.stop();
    await Promise.all([wamm.stop(), tg.stop()]);
    dir.remove();
  });

  it('posts WAMM, Telegram, Webinato, SuperViz and MQTT CHAT messages the server accepts, and the bots answer', async () => {
    const w = await sim('wamm', 'hello from the simulator', '--wait', '10000');
    expect(w.code, w.out).toBe(0);
    expect(w.out).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/wamm\/wa…et → 200 \{"ok":true,"stored":1,"duplicates":0\}/);
    expect(w.out).not.toContain(secrets.WAMM_WEBHOOK_SECRET);
    expect(w.out).toContain('← hello from the simulator   [sent]');
    expect(wamm.sent.some((s) => s.phone === '79001234567' && s.text === 'hello from the simulator')).toBe(true);

    expect((await sim('telegram', 'hi bot', '--from', '4242', '--name', 'Ann')).code).toBe(0);
    await eventually(async () => tg.sent.some((s) => s.chat_id === '4242' && s.text === 'hi bot'));

    // Webinato is receive-only: the config routes its replies to a Telegram chat.
    expect((await sim('webinato', 'When does it start?', '--chat', 'room-7', '--from', 'Bob')).code).toBe(0);
    await eventually(async () => tg.sent.some((s) => s.chat_id === '5005' && /^\[webinato: .*room-7\] When does it start\?$/.test(s.text ?? '')));
    // webinar-qa posts the question to the presenter's chat, saying who asked and where.
    const question = await eventually(async () => tg.sent.find((s) => s.chat_id === '6006'));
    expect(question.text).toMatch(/^❓ #1 from Bob in webinato ".*room-7":\nWhen does it start\?$/);

    // SuperViz, with its secret also in the configured header: the question reaches the presenter, with the sender's name.
    expect((await sim('superviz', 'Can we get the slides?', '--chat', 'webinar-42', '--name', 'Carla')).code).toBe(0);
    const slides = await eventually(async () => tg.sent.find((s) => s.chat_id === '6006' && s.text?.includes('slides')));
    expect(slides.text).toBe('❓ #1 from Carla in superviz "webinar-42":\nCan we get the slides?');

    expect((await sim('mqttchat', 'hey', '--from', '11', '--chat', '12')).code).toBe(0);
    await eventually(async () => (await api('/api/conversations?provider=mqttchat')).conversations.length === 1);
  });

  it('hands a WAMM customer to the Telegram operator chat and back', async () => {
    expect((await sim('wamm', 'I want an operator', '--from', '79005550000', '--name', 'Ivan')).code).toBe(0);
    const notice = await eventually(async () => tg.sent.find((s) => s.chat_id === OPS && s.text?.includes('asks for a person')));
    expect(notice.text).toContain('Ivan (wamm, "Ivan")');
    await eventually(async () => wamm.sent.some((s) => s.phone === '79005550000' && s.text.startsWith('Connecting you')));
    expect((await conversation('wamm', '79990000000:79005550000'))?.status).toBe('handoff');

    // The operator answers with Telegram's Reply on the notice; it reaches the customer on WAMM.
    const op = ['--chat', OPS, '--from', '777', '--name', 'Olga', '--reply-to', String(notice.message_id)];
    expect((await sim('telegram', 'Hello Ivan, Olga here.', ...op)).code).toBe(0);
    await eventually(async () => wamm.sent.some((s) => s.phone === '79005550000' && s.text === 'Hello Ivan, Olga here.'));

    expect((await sim('telegram', '/done', ...op)).code).toBe(0);
    await eventually(async () => wamm.sent.some((s) => s.phone === '79005550000' && s.text.includes('closed this conversation')));
    await eventually(async () => (await conversation('wamm', '79990000000:79005550000'))?.status === 'open');
    // Nothing echoed into the operator chat.
    const ops = tg.sent.filter((s) => s.chat_id === OPS).map((s) => s.text ?? '');
    expect(ops).toHaveLength(2);
    expect(ops[0]).toMatch(/^🙋 Ivan \(wamm/);
    expect(ops[1]).toMatch(/^✅ Handed back/);
  });

  it('says what is wrong: a missing secret, an unreachable server', async () => {
    const noSecret = await simulate(['wamm', 'hi', '--url', sb.url], {});
    expect(noSecret.code).toBe(64);
    expect(noSecret.out).toContain('WAMM_WEBHOOK_SECRET is not set');
    const down = await simulate(['wamm', 'hi', '--url', 'http://127.0.0.1:9'], secrets);
    expect(down.code).toBe(1);
    expect(down.out).toContain('is the server running');
    const wrong = await simulate(['wamm', 'hi', '--url', sb.url, '--secret', 'nope-nope'], secrets);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain('→ 401');
  });
});

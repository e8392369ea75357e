import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../fakes/telegram';
import { FakeWamm } from '../fakes/wamm';
import { CLI, eventually, type ServerProcess, startServer, tempDir } from '../helpers/process';

/**
 * The console and the handoff bot's Telegram operators on one conversation (real server process,
 * fake WAMM and Telegram): the status is one, what the console operator writes reaches the
 * customer and shows in the Telegram operator chat, and a Telegram operator's reply to that copy
 * reaches the customer and shows in the console's timeline.
 */
const OPS = '-100888';
const secrets = { WAMM_WEBHOOK_SECRET: 'wamm-console-tg-secret', TELEGRAM_WEBHOOK_SECRET: 'tg-console-secret' };

function simulate(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, 'simulate', ...args], { env: { PATH: process.env.PATH, ...secrets }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('console and Telegram operators together', () => {
  const dir = tempDir('console-tg-');
  const wamm = new FakeWamm('wamm-api-token');
  const tg = new FakeTelegram();
  let sb: ServerProcess;
  const sim = (...args: string[]) => simulate([...args, '--url', sb.url, '--wait', '0']);
  const api = async (path: string, body?: unknown) =>
    (
      await fetch(`${sb.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: 'Bearer adm', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).json() as Promise<any>;

  beforeAll(async () => {
    await Promise.all([wamm.start(), tg.start()]);
    const config = join(dir.path, 'bots.json');
    writeFileSync(config, JSON.stringify({ routes: [{ bot: 'handoff' }, { bot: 'echo', excludeConversations: [OPS] }] }));
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

  it('shares one status, and each side sees what the other writes', async () => {
    expect((await sim('wamm', 'I need a human', '--from', '79005551111', '--name', 'Ivan')).code).toBe(0);
    await eventually(async () => tg.sent.find((s) => s.chat_id === OPS && s.text?.includes('asks for a person')));
    const list = await eventually(async () => {
      const r = await api('/api/console/conversations?status=handoff');
      return r.conversations.length === 1 && r;
    });
    const id = list.conversations[0].id;

    expect(await api(`/api/console/conversations/${id}/messages`, { text: 'Ana from the console here.' })).toMatchObject({ outboxId: expect.any(Number) });
    await eventually(async () => wamm.sent.some((s) => s.phone === '79005551111' && s.text === 'Ana from the console here.'));
    const copy = await eventually(async () => tg.sent.find((s) => s.chat_id === OPS && s.text?.includes('Ana from the console here.')));
    expect(copy.text).toMatch(/^admin token \(console\) to /);

    // A Telegram operator answers the copy with Reply: it reaches the customer and the console shows it.
    const op = ['--chat', OPS, '--from', '777', '--name', 'Olga', '--reply-to', String(copy.message_id)];
    expect((await sim('telegram', 'Olga from Telegram too.', ...op)).code).toBe(0);
    await eventually(async () => wamm.sent.some((s) => s.phone === '79005551111' && s.text === 'Olga from Telegram too.'));
    const timeline = await api(`/api/console/conversations/${id}`);
    expect(timeline.messages.map((m: any) => [m.text, m.author.role])).toEqual(
      expect.arrayContaining([
        ['Ana from the console here.', 'operator'],
        ['Olga from Telegram too.', 'bot'],
      ]),
    );
    expect(timeline.conversation.status).toBe('handoff');

    // Handed back from the console: the Telegram operators are told, the bots answer again (echo).
    await api(`/api/console/conversations/${id}/handback`, {});
    await eventually(async () => tg.sent.find((s) => s.chat_id === OPS && s.text?.startsWith('admin token (console) handed')));
    const before = tg.sent.length;
    expect((await sim('wamm', 'echo this', '--from', '79005551111', '--name', 'Ivan')).code).toBe(0);
    await eventually(async () => wamm.sent.some((s) => s.phone === '79005551111' && s.text === 'echo this'));
    expect(tg.sent.length).toBe(before);
  });
});

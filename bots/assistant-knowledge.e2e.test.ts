import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAi, type ChatRequest } from '../test/fakes/openai';
import { FakeTelegram } from '../test/fakes/telegram';
import { FakeWamm } from '../test/fakes/wamm';
import { CLI, eventually, startServer, tempDir, type ServerProcess } from '../test/helpers/process';

/**
 * The assistant with knowledge and hand-off, in the real server process: fake OpenAI (chat with
 * function calling, embeddings), fake WAMM for the customer, fake Telegram Bot API for the
 * operators' chat where the handoff bot relays their replies. Then `npm run cli -- knowledge index`
 * over 1,000 chunks, killed half way and run again.
 */
const ADMIN = 'admin-knowledge-e2e';
const OPERATORS = '-1001230000001';
const TG_SECRET = 'tg-knowledge-secret';

describe('assistant: knowledge, hand-off and the operator reply (real process)', () => {
  const dir = tempDir('assistant-knowledge-e2e-');
  const ai = new FakeOpenAi('sk-knowledge-e2e');
  const wamm = new FakeWamm('wamm-token-k');
  const tg = new FakeTelegram();
  let sb: ServerProcess;
  let env: Record<string, string>;
  const system = (req: ChatRequest) => String(req.messages[0]?.content ?? '');
  const post = (text: string) =>
    fetch(`${sb.url}/webhooks/wamm/wamm-secret-k`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tip: 'msg',
        msg_data: {
          msg_id: wamm.nextId++,
          from_me: 0,
          phone_acc: '7999',
          phone: '7900',
          chat_name: 'Ivan',
          tip_msg: 'textMessage',
          msg_text: text,
          date_ins: wamm.now(),
        },
      }),
    });
  const api = async (path: string) => (await (await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as any;

  beforeAll(async () => {
    await Promise.all([ai.start(), wamm.start(), tg.start()]);
    mkdirSync(join(dir.path, 'knowledge'));
    writeFileSync(join(dir.path, 'knowledge', 'shipping.md'), '# Shipping\n\nParcels to Germany arrive in three working days.\n');
    writeFileSync(join(dir.path, 'knowledge', 'opening-hours.md'), '# Opening hours\n\nThe shop in Berlin is open Monday to Saturday.\n');
    writeFileSync(
      join(dir.path, 'bots.json'),
      JSON.stringify({
        routes: [
          { bot: 'handoff', providers: ['wamm', 'telegram'] },
          { bot: 'assistant', providers: ['wamm'], options: { knowledge: ['knowledge/*.md'], topK: 1, retries: 0 } },
        ],
      }),
    );
    ai.answer = (req) => {
      if (system(req).includes('three working days') && /germany/i.test(String(req.messages.at(-1)?.content))) return 'Three working days to Germany.';
      return { toolCalls: [{ name: 'handoff_to_human', arguments: { reason: 'the sources do not cover warranty claims' } }] };
    };
    env = {
      DATA_DIR: join(dir.path, 'data'),
      BOTS_CONFIG: join(dir.path, 'bots.json'),
      ADMIN_TOKEN: ADMIN,
      OPENAI_API_KEY: ai.apiKey,
      OPENAI_BASE_URL: ai.url,
      OPENAI_MODEL: 'gpt-k',
      WAMM_WEBHOOK_SECRET: 'wamm-secret-k',
      WAMM_API_TOKEN: wamm.token,
      WAMM_API_URL: wamm.url,
      WAMM_SEND_INTERVAL_MS: '1',
      WAMM_POLL_INTERVAL_MS: '3600000',
      ...tg.env(TG_SECRET),
      PUBLIC_URL: 'https://bot.example.com',
      TELEGRAM_OPERATOR_CHAT_ID: OPERATORS,
    };
    sb = await startServer(env, { cwd: dir.path });
  });
  afterAll(async () => {
    await sb?.stop();
    await Promise.all([ai.stop(), wamm.stop(), tg.stop()]);
    dir.remove();
  });

  it('answers a question from a knowledge file: the prompt holds that chunk and its name', async () => {
    await eventually(async () => sb.logs.some((l) => l.includes('knowledge: 2 chunks from 2 files ready')));
    expect((await post('How long does shipping to Germany take?')).status).toBe(200);
    const sent = await eventually(async () => wamm.sent[0]);
    expect(sent.text).toBe('Three working days to Germany.');
    const prompt = system(ai.requests[0]!);
    expect(prompt).toContain('(knowledge/shipping.md)\n# Shipping\nParcels to Germany arrive in three working days.');
    expect(prompt).not.toContain('Monday to Saturday');
  });

  it('outside the knowledge the model hands off: status handoff, the customer told, other bots silent, the operator answers', async () => {
    expect((await post('My bike broke after a week, is that covered?')).status).toBe(200);
    const connecting = await eventually(async () => wamm.sent[1]);
    expect(connecting.text).toBe('I am passing you to a person; please wait, they will answer here.');
    const told = await eventually(async () => tg.sent.find((s) => s.chat_id === OPERATORS));
    expect(told.text).toContain('was handed over by the assistant: the sources do not cover warranty claims');
    const { conversations } = await api('/api/conversations?provider=wamm');
    expect(conversations[0].status).toBe('handoff');
    const stored = (await api(`/api/conversations/${conversations[0].id}/messages`)).messages;
    expect(stored.at(-1).text).toBe(connecting.text);

    // The customer writes again: no model call; the handoff bot forwards it to the operators.
    const calls = ai.requests.length;
    expect((await post('Hello? Anyone?')).status).toBe(200);
    await eventually(async () => tg.sent.some((s) => s.chat_id === OPERATORS && s.text?.includes('Hello? Anyone?')));
    expect(ai.requests).toHaveLength(calls);
    expect(wamm.sent).toHaveLength(2);

    // An operator replies (Telegram "Reply") to the hand-off message: it reaches the customer on WAMM.
    const reply = {
      update_id: 880001,
      message: {
        message_id: 77,
        date: Math.floor(Date.now() / 1000),
        chat: { id: Number(OPERATORS), type: 'supergroup', title: 'Operators' },
        from: { id: 4242, is_bot: false, first_name: 'Olga' },
        text: 'Yes, the warranty covers it; we will send a new frame.',
        reply_to_message: {
          message_id: told.message_id,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(OPERATORS), type: 'supergroup' },
          text: told.text,
        },
      },
    };
    const r = await fetch(`${sb.url}/webhooks/telegram/${TG_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET },
      body: JSON.stringify(reply),
    });
    expect(r.status).toBe(200);
    const answered = await eventually(async () => wamm.sent[2]);
    expect(answered.text).toBe('Yes, the warranty covers it; we will send a new frame.');
  });
});

describe('npm run cli -- knowledge index: 1,000 chunks, resumable, nothing embedded twice', () => {
  const dir = tempDir('knowledge-index-');
  const ai = new FakeOpenAi('sk-index');
  const cli = (env: Record<string, string>) => {
    const child = spawn(process.execPath, [...CLI, 'knowledge', 'index'], {
      cwd: dir.path,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    return { child, output: () => out, done: new Promise<number | null>((r) => child.on('exit', (code) => r(code))) };
  };

  beforeAll(async () => {
    await ai.start();
    // 1,000 sections, each its own chunk (a heading each, well under the chunk size).
    const sections = Array.from({ length: 1000 }, (_, i) => `# Article ${i}\n\nProduct ${i} ships in ${(i % 9) + 1} days and costs ${i} euros.`);
    writeFileSync(join(dir.path, 'catalogue.md'), sections.join('\n\n'));
    writeFileSync(join(dir.path, 'bots.json'), JSON.stringify({ routes: [{ bot: 'assistant', options: { knowledge: ['catalogue.md'] } }] }));
  });
  afterAll(async () => {
    await ai.stop();
    dir.remove();
  });

  it('killed half way, a second run embeds only the rest; a third embeds nothing', async () => {
    const env = { DATA_DIR: join(dir.path, 'data'), BOTS_CONFIG: join(dir.path, 'bots.json'), OPENAI_API_KEY: ai.apiKey, OPENAI_BASE_URL: ai.url };
    ai.embedDelayMs = 50;
    const first = cli(env);
    await eventually(async () => ai.embeddingRequests.length >= 5, 20_000);
    first.child.kill('SIGKILL');
    await first.done;
    const afterKill = ai.embeddedInputs;
    expect(afterKill).toBeGreaterThanOrEqual(500);
    expect(afterKill).toBeLessThan(1000);

    ai.embedDelayMs = 0;
    const second = cli(env);
    expect(await second.done).toBe(0);
    const embeddedBySecond = ai.embeddedInputs - afterKill;
    // At most one batch was answered but not stored when the first run died.
    expect(embeddedBySecond).toBeLessThanOrEqual(1000 - afterKill + 100);
    expect(embeddedBySecond).toBeGreaterThanOrEqual(1000 - afterKill);
    // What it found missing is what it embedded: nothing stored by the first run was embedded again.
    const missing = Number(/knowledge: embedding (\d+) of 1000 chunks/.exec(second.output())?.[1]);
    expect(embeddedBySecond).toBe(missing);
    expect(second.output()).toMatch(/knowledge: 1000 chunks from 1 files ready/);

    const third = cli(env);
    expect(await third.done).toBe(0);
    expect(ai.embeddedInputs).toBe(afterKill + embeddedBySecond);
    expect(third.output()).toMatch(/knowledge: 1000 chunks from 1 files ready \(0 embedded now\)/);
  });
});

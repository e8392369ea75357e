import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAi } from '../test/fakes/openai';
import { FakeTelegram } from '../test/fakes/telegram';
import { FakeWamm } from '../test/fakes/wamm';
import { eventually, startServer, tempDir, type ServerProcess } from '../test/helpers/process';

/**
 * The assistant in the real server process: OPENAI_* from the environment, WAMM's 4,500-character
 * limit, the fallback; on Telegram "typing…" while the model thinks, in the asker's forum topic.
 */
describe('assistant end to end (fake OpenAI, fake WAMM, fake Bot API)', () => {
  const dir = tempDir('assistant-e2e-');
  const ai = new FakeOpenAi('sk-e2e-key');
  const wamm = new FakeWamm('wamm-token');
  const telegram = new FakeTelegram();
  let sb: ServerProcess;
  let msgId = 100;
  const post = (text: string) =>
    fetch(`${sb.url}/webhooks/wamm/wamm-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tip: 'msg',
        msg_data: {
          msg_id: ++msgId,
          from_me: 0,
          phone_acc: '7999',
          phone: '7900',
          chat_name: 'Ivan',
          tip_msg: 'textMessage',
          msg_text: text,
          date_ins: '2024-01-01 10:00:00',
        },
      }),
    });

  beforeAll(async () => {
    await Promise.all([ai.start(), wamm.start(), telegram.start()]);
    sb = await startServer({
      DATA_DIR: dir.path,
      BOTS: 'assistant',
      OPENAI_API_KEY: ai.apiKey,
      OPENAI_BASE_URL: ai.url,
      OPENAI_MODEL: 'gpt-e2e',
      WAMM_WEBHOOK_SECRET: 'wamm-secret',
      WAMM_API_TOKEN: 'wamm-token',
      WAMM_API_URL: wamm.url,
      ...telegram.env('tg-assistant-secret'),
    });
  });
  afterAll(async () => {
    await sb?.stop();
    await Promise.all([ai.stop(), wamm.stop(), telegram.stop()]);
    dir.remove();
  });

  it('answers through WAMM with the model named by OPENAI_MODEL, cut to 4,500 characters', async () => {
    ai.answer = () => 'y'.repeat(6000);
    expect((await post('tell me everything')).status).toBe(200);
    const sent = await eventually(async () => wamm.sent[0]);
    expect(sent.text).toHaveLength(4500);
    expect(ai.requests[0]).toMatchObject({ model: 'gpt-e2e', messages: [{ role: 'system' }, { role: 'user', content: 'tell me everything' }] });
    expect(sb.logs.join('\n')).not.toContain(ai.apiKey);
  });

  it('sends the polite fallback when the model keeps failing (one try and two retries)', async () => {
    ai.requests.length = 0;
    ai.next = [500, 500, 500];
    expect((await post('are you there?')).status).toBe(200);
    const sent = await eventually(async () => wamm.sent[1]);
    expect(sent.text).toMatch(/^Sorry, I cannot answer right now/);
    expect(ai.requests).toHaveLength(3);
  });

  it('shows "typing…" on Telegram while the model thinks, in the forum topic it answers in', async () => {
    ai.answer = () => 'Red ones, yes.';
    const chat = { id: -1002271335705, type: 'supergroup' as const, title: 'Shop' };
    const update = telegram.messageUpdate({ chat, text: 'red ones?', extra: { message_thread_id: 2, is_topic_message: true } });
    const r = await fetch(`${sb.url}/webhooks/telegram/tg-assistant-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(update),
    });
    expect(r.status).toBe(200);
    const answer = await eventually(async () => telegram.sent.find((x) => x.text === 'Red ones, yes.'));
    expect(answer.params.message_thread_id).toBe(2);
    const typing = telegram.chatActions.find((a) => a.chat_id === String(chat.id));
    expect(typing).toMatchObject({ action: 'typing', params: { message_thread_id: 2 } });
    const calls = telegram.calls.map((c) => c.method);
    expect(calls.indexOf('sendChatAction')).toBeLessThan(calls.indexOf('sendMessage'));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAi } from '../test/fakes/openai';
import { FakeWamm } from '../test/fakes/wamm';
import { eventually, startServer, tempDir, type ServerProcess } from '../test/helpers/process';

/** The assistant in the real server process: OPENAI_* from the environment, WAMM's 4,500-character limit, the fallback. */
describe('assistant end to end (fake OpenAI, fake WAMM)', () => {
  const dir = tempDir('assistant-e2e-');
  const ai = new FakeOpenAi('sk-e2e-key');
  const wamm = new FakeWamm('wamm-token');
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
    await Promise.all([ai.start(), wamm.start()]);
    sb = await startServer({
      DATA_DIR: dir.path,
      BOTS: 'assistant',
      OPENAI_API_KEY: ai.apiKey,
      OPENAI_BASE_URL: ai.url,
      OPENAI_MODEL: 'gpt-e2e',
      WAMM_WEBHOOK_SECRET: 'wamm-secret',
      WAMM_API_TOKEN: 'wamm-token',
      WAMM_API_URL: wamm.url,
    });
  });
  afterAll(async () => {
    await sb?.stop();
    await Promise.all([ai.stop(), wamm.stop()]);
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
});

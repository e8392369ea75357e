import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from 'switchboard/testing';
import assistant from './assistant';
import { FakeOpenAi } from '../test/fakes/openai';

const wamm = { provider: 'wamm', conversation: 'acc:79001234567', from: { id: '79001234567', name: 'Ivan' } };

describe('assistant (fake OpenAI-compatible server on 127.0.0.1)', () => {
  const ai = new FakeOpenAi('sk-fake-123');
  let kit: TestKit | undefined;
  const start = (options: Record<string, unknown> = {}) =>
    createTestKit({
      routes: [{ bot: assistant, options: { systemPrompt: 'You sell bicycles.', timeoutMs: 10_000, retries: 1, ...options } }],
      env: { OPENAI_API_KEY: ai.apiKey, OPENAI_BASE_URL: ai.url, OPENAI_MODEL: 'gpt-test' },
    });

  beforeAll(() => ai.start());
  afterAll(() => ai.stop());
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
    ai.requests.length = 0;
    ai.next = [];
    ai.answer = (req) => `You said: ${req.messages.at(-1)?.content}`;
  });

  it('answers with the model, given the system prompt and the recent history', async () => {
    kit = await start({ history: 3 });
    expect(await kit.receive({ ...wamm, text: 'hi' })).toEqual([{ provider: 'wamm', conversation: wamm.conversation, text: 'You said: hi' }]);
    await kit.receive({ ...wamm, text: 'do you have red ones?' });
    const last = ai.requests.at(-1)!;
    expect(last.model).toBe('gpt-test');
    // history: 3 = the three newest messages (hi, our answer, the new question), oldest first.
    expect(last.messages).toEqual([
      { role: 'system', content: 'You sell bicycles.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'You said: hi' },
      { role: 'user', content: 'do you have red ones?' },
    ]);
  });

  it('shows "typing…" while the model thinks on Telegram', async () => {
    kit = await start();
    await kit.receive({ provider: 'telegram', conversation: '42', text: 'hi' });
    expect(kit.typing).toEqual([{ provider: 'telegram', conversation: '42' }]);
  });

  it('retries a failing model and answers once it recovers', async () => {
    kit = await start();
    ai.next = [500];
    expect(await kit.receive({ ...wamm, text: 'price?' })).toEqual([{ provider: 'wamm', conversation: wamm.conversation, text: 'You said: price?' }]);
    expect(ai.requests).toHaveLength(2);
  });

  it('sends the polite fallback when the model keeps failing, and when it times out', async () => {
    kit = await start({ fallback: 'Sorry, try again later.' });
    ai.next = [500, 500];
    expect(await kit.receive({ ...wamm, text: 'one' })).toEqual([{ provider: 'wamm', conversation: wamm.conversation, text: 'Sorry, try again later.' }]);
    expect(ai.requests).toHaveLength(2); // one try + one retry
    expect(kit.logs.filter((l) => l.message === 'model call failed; sending the fallback').map((l) => l.status)).toEqual([500]);
    await kit.close();
    kit = await start({ fallback: 'Sorry, try again later.', timeoutMs: 300 });
    ai.next = ['hang', 'hang'];
    expect(await kit.receive({ ...wamm, text: 'two' })).toEqual([{ provider: 'wamm', conversation: wamm.conversation, text: 'Sorry, try again later.' }]);
    expect(ai.requests).toHaveLength(4);
    expect(kit.logs.filter((l) => l.message === 'model call failed; sending the fallback').map((l) => l.kind)).toEqual(['APIConnectionTimeoutError']);
  });

  it("cuts a long answer to the provider's limit (WAMM 4,500 characters)", async () => {
    kit = await start();
    ai.answer = () => 'x'.repeat(6000);
    const [reply] = await kit.receive({ ...wamm, text: 'tell me everything' });
    expect(reply!.text).toHaveLength(4500);
    expect(reply!.text!.endsWith('…')).toBe(true);
    const [long] = await kit.receive({ provider: 'telegram', conversation: '9', text: 'and here?' });
    expect(long!.text).toHaveLength(4096);
  });

  it('does not call the model where nobody could read the answer (receive-only provider)', async () => {
    kit = await start();
    expect(await kit.receive({ provider: 'webinato', conversation: 'room', text: 'hello?' })).toEqual([]);
    expect(ai.requests).toHaveLength(0);
  });

  it('refuses to start without OPENAI_API_KEY', async () => {
    await expect(createTestKit({ bots: [assistant] })).rejects.toThrow(/^assistant: OPENAI_API_KEY is not set/);
  });
});

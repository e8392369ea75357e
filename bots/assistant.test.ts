import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from 'switchboard/testing';
import assistant from './assistant';
import { type ChatRequest, FakeOpenAi } from '../test/fakes/openai';

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

  it("cuts a long answer at the last sentence that fits the provider's limit", async () => {
    kit = await start();
    ai.answer = () => `${'A complete sentence about delivery times. '.repeat(150)}And one that does not fit`;
    const [reply] = await kit.receive({ ...wamm, text: 'tell me everything' });
    expect(reply!.text!.length).toBeLessThanOrEqual(4500);
    expect(reply!.text!.endsWith('delivery times.')).toBe(true);
  });

  it('refuses to start without OPENAI_API_KEY', async () => {
    await expect(createTestKit({ bots: [assistant] })).rejects.toThrow(/^assistant: OPENAI_API_KEY is not set/);
  });
});

describe('assistant with knowledge, tools and budgets (fake OpenAI-compatible server)', () => {
  const ai = new FakeOpenAi('sk-fake-456');
  const dir = mkdtempSync(join(tmpdir(), 'assistant-knowledge-'));
  const shipping = join(dir, 'shipping.md');
  const faqFile = join(dir, 'faq.json');
  let kit: TestKit | undefined;
  const system = (req: ChatRequest) => String(req.messages[0]?.content ?? '');
  const start = (options: Record<string, unknown> = {}) =>
    createTestKit({
      routes: [{ bot: assistant, options: { knowledge: [join(dir, '*.md')], faqFile, timeoutMs: 10_000, retries: 0, ...options } }],
      env: { OPENAI_API_KEY: ai.apiKey, OPENAI_BASE_URL: ai.url, OPENAI_MODEL: 'gpt-test', TELEGRAM_OPERATOR_CHAT_ID: '-100777' },
    });

  beforeAll(async () => {
    writeFileSync(shipping, '# Shipping\n\nParcels to Germany arrive in three working days.\n\n# Returns\n\nReturns are free within 30 days.\n');
    writeFileSync(join(dir, 'team.md'), '# Team\n\nOur office dog is called Biscuit.\n');
    writeFileSync(faqFile, JSON.stringify({ answers: [{ keywords: ['invoice'], answer: 'Invoices are in your account under Billing.' }] }));
    await ai.start();
  });
  afterAll(async () => {
    await ai.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
    ai.requests.length = 0;
    ai.embeddingRequests.length = 0;
    ai.answer = (req) => `You said: ${req.messages.at(-1)?.content}`;
  });

  it('puts the chunk nearest the question into the prompt with its file name, and answers from it', async () => {
    kit = await start({ topK: 1 });
    ai.answer = (req) => (system(req).includes('three working days') ? 'Three working days.' : 'I do not know.');
    expect((await kit.receive({ ...wamm, text: 'How many days does shipping to Germany take?' }))[0]!.text).toBe('Three working days.');
    const prompt = system(ai.requests[0]!);
    expect(prompt).toContain(`(${shipping})`);
    expect(prompt).toMatch(/\(.*shipping\.md\)\n# Shipping\nParcels to Germany arrive in three working days\./);
    expect(prompt).not.toContain('Biscuit');
    // Indexed once at start (3 chunks in one call), then one embedding per question.
    expect(ai.embeddingRequests.map((r) => r.input.length)).toEqual([3, 1]);
  });

  it('hands off when the model calls handoff_to_human: status handoff, the customer told, the reason to the operators', async () => {
    kit = await start();
    ai.answer = (req) =>
      req.tools?.some((t) => t.function.name === 'handoff_to_human')
        ? { toolCalls: [{ name: 'handoff_to_human', arguments: { reason: 'asks about a refund for a broken bike' } }] }
        : 'no tools offered';
    const sent = await kit.receive({ ...wamm, text: 'My bike arrived broken and I want my money back!' });
    expect(sent).toEqual([
      { provider: 'wamm', conversation: wamm.conversation, text: 'I am passing you to a person; please wait, they will answer here.' },
      {
        provider: 'telegram',
        conversation: '-100777',
        text: expect.stringMatching(/^🙋 Ivan \(wamm, .*\) was handed over by the assistant: asks about a refund for a broken bike\./),
      },
    ]);
    expect((await kit.conversation('wamm', wamm.conversation))!.status).toBe('handoff');
    const stored = (await kit.messages('wamm', wamm.conversation)).find((m) => m.direction === 'outbound')!;
    expect(stored.meta).toMatchObject({ handoffReason: 'asks about a refund for a broken bike', toolCalls: [{ name: 'handoff_to_human' }] });
    // Handed off: the assistant stays silent and calls no model.
    const calls = ai.requests.length;
    expect(await kit.receive({ ...wamm, text: 'hello?' })).toEqual([]);
    expect(ai.requests).toHaveLength(calls);
  });

  it('answers through lookup_faq, and stores the tool call on the reply', async () => {
    kit = await start();
    ai.answer = (req) => {
      const tool = req.messages.find((m) => m.role === 'tool');
      return tool ? `From the FAQ: ${tool.content}` : { toolCalls: [{ name: 'lookup_faq', arguments: { question: 'where is my invoice' } }] };
    };
    const [reply] = await kit.receive({ ...wamm, text: 'Where do I find my invoice?' });
    expect(reply!.text).toBe('From the FAQ: Invoices are in your account under Billing.');
    expect(ai.requests).toHaveLength(2);
    const stored = (await kit.messages('wamm', wamm.conversation)).find((m) => m.direction === 'outbound')!;
    expect(stored.meta).toMatchObject({ toolCalls: [{ name: 'lookup_faq', result: 'Invoices are in your account under Billing.' }] });
  });

  it('over the daily token budget: no model call, the fallback, and a warning kept for /api/health', async () => {
    kit = await start({ budget: { perDayTokens: 30 }, fallback: 'Our assistant is resting; a person will answer.' });
    await kit.receive({ ...wamm, text: 'first question' }); // 20 tokens
    await kit.receive({ ...wamm, conversation: 'acc:79000000002', text: 'second question' }); // 40 tokens: over
    const calls = ai.requests.length;
    expect(calls).toBe(2);
    expect((await kit.receive({ ...wamm, conversation: 'acc:79000000003', text: 'third question' }))[0]!.text).toBe(
      'Our assistant is resting; a person will answer.',
    );
    expect(ai.requests).toHaveLength(calls);
    expect((await kit.store.botWarnings('2000-01-01T00:00:00.000Z')).map((w) => w.message)).toEqual([
      'token budget reached (30 tokens today); answering with the fallback',
    ]);
  });

  it('hands off after maxTurnsBeforeHandoff answers in one conversation', async () => {
    kit = await start({ maxTurnsBeforeHandoff: 2, handoff: false });
    await kit.receive({ ...wamm, text: 'one' });
    await kit.receive({ ...wamm, text: 'two' });
    const calls = ai.requests.length;
    const sent = await kit.receive({ ...wamm, text: 'three' });
    expect(sent[0]!.text).toBe('I am passing you to a person; please wait, they will answer here.');
    expect(ai.requests).toHaveLength(calls);
    expect((await kit.conversation('wamm', wamm.conversation))!.status).toBe('handoff');
  });

  it('refuses to start when a knowledge pattern matches no file, naming it', async () => {
    await expect(start({ knowledge: [join(dir, 'nothing-*.md')] })).rejects.toThrow(/no knowledge file matches .*nothing-\*\.md/);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from 'switchboard/testing';
import echo from './echo';

describe('echo', () => {
  let kit: TestKit;
  afterEach(() => kit?.close());

  it('replies with the inbound text in the same conversation', async () => {
    kit = await createTestKit({ bots: [echo] });
    expect(await kit.receive({ provider: 'wamm', conversation: 'acc:7900', text: 'hi there' })).toEqual([
      { provider: 'wamm', conversation: 'acc:7900', text: 'hi there' },
    ]);
    await kit.receive({ provider: 'telegram', conversation: '42', text: 'second' });
    expect(kit.sent).toEqual([
      { provider: 'wamm', conversation: 'acc:7900', text: 'hi there' },
      { provider: 'telegram', conversation: '42', text: 'second' },
    ]);
  });

  it('ignores media without text', async () => {
    kit = await createTestKit({ bots: [echo] });
    expect(await kit.receive({ provider: 'wamm', conversation: 'acc:7900', media: { url: 'https://x/y.jpg' }, kind: 'image' })).toEqual([]);
  });
});

describe('test kit provider defaults', () => {
  it('come from the real adapters', async () => {
    const { PROVIDER_DEFAULTS } = await import('switchboard/testing');
    expect(PROVIDER_DEFAULTS).toMatchObject({
      wamm: { reply: true, maxTextLength: 4500 },
      telegram: { reply: true, maxTextLength: 4096 },
      superviz: { reply: true },
      webinato: { reply: false },
      mqttchat: { reply: false },
      ringcentral: { reply: false },
    });
  });
});

import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env';
import { createLogger } from '../../../src/base/log';
import { createTelegram } from '../../../src/providers/telegram/client';
import { checkWebhook, registerWebhook } from '../../../src/providers/telegram/lifecycle';
import type { ProviderRuntime } from '../../../src/providers/types';
import { FakeTelegram } from '../../fakes/telegram';

/** Start-up webhook chores against the fake Bot API: registration, and the warnings a broken webhook earns. */
describe('Telegram webhook registration and check', () => {
  const fake = new FakeTelegram();
  const lines: string[] = [];
  const SECRET = 'life-secret';
  let rt: ProviderRuntime;

  beforeAll(async () => {
    await fake.start();
    const config = loadConfig(fake.env(SECRET));
    const log = createLogger({ level: 'info', secrets: [fake.token, SECRET], stream: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    rt = {
      config,
      log,
      signal: new AbortController().signal,
      isLeader: () => true,
      ingest: async () => ({ stored: 0, duplicates: 0 }),
      getCursor: async () => undefined,
      setCursor: async () => {},
      recordPoll: async () => {},
      recentConversations: async () => [],
    };
  });
  afterAll(() => fake.stop());
  const api = () => createTelegram(fake.token, fake.url);
  const logged = (re: RegExp) => lines.some((l) => re.test(l));

  it('registers, then finds nothing to complain about', async () => {
    await registerWebhook(api(), rt, 'https://bot.example.com', SECRET);
    expect(fake.webhook).toMatchObject({ url: `https://bot.example.com/webhooks/telegram/${SECRET}`, secret_token: SECRET });
    lines.length = 0;
    await checkWebhook(api(), rt, SECRET);
    expect(lines.filter((l) => /"level":"warn"/.test(l))).toEqual([]);
  });

  it('warns when Telegram reports delivery errors, when the webhook points elsewhere, and when there is none', async () => {
    fake.webhookError = 'Wrong response from the webhook: 502 Bad Gateway';
    await checkWebhook(api(), rt, SECRET);
    expect(logged(/delivery errors: Wrong response from the webhook: 502/)).toBe(true);
    fake.webhook = { url: 'https://elsewhere.example.com/hook' };
    await checkWebhook(api(), rt, SECRET);
    expect(logged(/another URL/)).toBe(true);
    fake.webhook = undefined;
    await checkWebhook(api(), rt, SECRET);
    expect(logged(/no webhook registered/)).toBe(true);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('gives up with one clear error when Telegram refuses the webhook URL (not HTTPS)', async () => {
    const before = fake.calls.filter((c) => c.method === 'setWebhook').length;
    await registerWebhook(api(), rt, 'http://bot.example.com', SECRET);
    expect(fake.calls.filter((c) => c.method === 'setWebhook').length).toBe(before + 1);
    expect(logged(/"level":"error".*setWebhook refused: Bad Request: bad webhook: An HTTPS URL must be provided/)).toBe(true);
  });

  it('retries setWebhook until Telegram accepts it', async () => {
    fake.failNext.push({ method: 'setWebhook', status: 502 });
    await registerWebhook(api(), rt, 'https://bot.example.com', SECRET);
    expect(fake.calls.filter((c) => c.method === 'setWebhook').length).toBeGreaterThanOrEqual(3);
    expect(fake.webhook?.url).toBe(`https://bot.example.com/webhooks/telegram/${SECRET}`);
    expect(logged(/setWebhook failed; retrying/)).toBe(true);
  });
});

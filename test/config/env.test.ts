import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, EnvSchema, loadConfig } from '../../src/config/env';

const fails = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('boots with an empty environment, with the contract defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      DATA_DIR: './data',
      LOG_LEVEL: 'info',
      BOTS: ['echo'],
      WAMM_API_URL: 'https://wamm.chat/api2',
      WAMM_POLL_INTERVAL_MS: 60000,
      MQTTCHAT_API_URL: 'https://cluster1.telifoun.com/api/v1.0',
      SUPERVIZ_API_URL: 'https://api.superviz.com',
      SUPERVIZ_MESSAGE_EVENT: 'message',
      RINGCENTRAL_SERVER_URL: 'https://platform.ringcentral.com',
      TELEGRAM_API_ROOT: 'https://api.telegram.org',
      OPENAI_MODEL: 'gpt-4o-mini',
    });
    expect(c.ADMIN_TOKEN).toBeUndefined();
    expect(c.DATABASE_URL).toBeUndefined();
    // The contract: between 2 and 8 MiB by default.
    expect(c.BODY_LIMIT).toBeGreaterThanOrEqual(2 * 1024 * 1024);
    expect(c.BODY_LIMIT).toBeLessThanOrEqual(8 * 1024 * 1024);
  });

  it('treats empty strings (as in a copied .env.example) as unset', () => {
    const c = loadConfig({ PORT: '', PUBLIC_URL: '', WAMM_TIMEZONE: '', ADMIN_TOKEN: '', BODY_LIMIT: '' });
    expect(c.PORT).toBe(3000);
    expect(c.PUBLIC_URL).toBeUndefined();
    expect(c.ADMIN_TOKEN).toBeUndefined();
  });

  it('reads TRUST_PROXY as Express expects it, off by default', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
  });

  it('parses sizes, lists and URLs', () => {
    const c = loadConfig({ BODY_LIMIT: '512kb', BOTS: ' echo , faq ', PUBLIC_URL: 'https://bots.example.com/', WAMM_TIMEZONE: 'Europe/Moscow' });
    expect(c.BODY_LIMIT).toBe(512 * 1024);
    expect(c.BOTS).toEqual(['echo', 'faq']);
    expect(c.PUBLIC_URL).toBe('https://bots.example.com');
    expect(c.WAMM_TIMEZONE).toBe('Europe/Moscow');
  });

  it.each([
    ['PORT', 'eighty', /port/],
    ['PORT', '70000', /port/],
    ['PUBLIC_URL', 'not a url', /URL/],
    ['WAMM_API_URL', 'ftp://wamm.chat', /URL/],
    ['WAMM_POLL_INTERVAL_MS', '1m', /whole number/],
    ['WAMM_POLL_INTERVAL_MS', '-5', /whole number/],
    ['WAMM_TIMEZONE', 'Mars/Olympus', /IANA/],
    ['BODY_LIMIT', 'huge', /size/],
    ['LOG_LEVEL', 'loud', /./],
    ['DATABASE_URL', 'mysql://x', /postgres/],
    ['BOTS', 'echo,../etc', /bot names/],
    ['TELEGRAM_WEBHOOK_SECRET', 'has spaces!', /Telegram/],
    ['TELEGRAM_OPERATOR_CHAT_ID', '@ops', /chat id/],
    ['TRUST_PROXY', 'everyone', /hop count/],
  ])('%s=%s stops start-up with one line naming the variable', (name, value, what) => {
    const e = fails({ [name]: value });
    expect(e.variable).toBe(name);
    expect(e.message).toMatch(new RegExp(`^${name}: `));
    expect(e.message).toMatch(what);
    expect(e.message).not.toContain('\n');
  });

  it('documents every variable it reads in .env.example and in the README', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const keys = Object.keys(EnvSchema.shape);
    expect(keys.length).toBeGreaterThan(40);
    expect(keys.filter((k) => !new RegExp(`^#?\\s*${k}=`, 'm').test(example))).toEqual([]);
    expect(keys.filter((k) => !readme.includes(`\`${k}\``))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { keptHeaders, requestKey } from '../../src/receive/kept-headers';

describe('the headers and keys the delivery log keeps', () => {
  const config = loadConfig({ WAMM_WEBHOOK_SECRET: 'wamm-secret-123', SUPERVIZ_WEBHOOK_SECRET: 'sv-secret-456', SUPERVIZ_WEBHOOK_HEADER: 'X-Sv-Key' });

  it('drops credential headers and redacts any header holding a configured secret', () => {
    const kept = keptHeaders(
      {
        'content-type': 'application/json',
        authorization: 'Bearer abc',
        'x-telegram-bot-api-secret-token': 'whatever',
        'x-sv-key': 'sv-secret-456',
        'x-forwarded-uri': '/webhooks/wamm/wamm-secret-123',
        'user-agent': ['a', 'b'],
      },
      config,
    );
    expect(kept).toEqual({ 'content-type': 'application/json', 'x-forwarded-uri': '[redacted]', 'user-agent': 'a, b' });
  });

  it('gives request keys that are unique and grow with time, so raw bodies append at the end of their index', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => requestKey(1_800_000_000_000 + Math.floor(i / 100)));
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(keys);
  });
});

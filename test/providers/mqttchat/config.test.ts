import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/env';

describe('MQTTCHAT_POLL_INTERVAL_MS', () => {
  it('defaults to 5 minutes, takes 0 as off, and names itself when malformed', () => {
    expect(loadConfig({}).MQTTCHAT_POLL_INTERVAL_MS).toBe(300_000);
    expect(loadConfig({ MQTTCHAT_POLL_INTERVAL_MS: '0' }).MQTTCHAT_POLL_INTERVAL_MS).toBe(0);
    expect(loadConfig({ MQTTCHAT_POLL_INTERVAL_MS: ' 60000 ' }).MQTTCHAT_POLL_INTERVAL_MS).toBe(60_000);
    for (const bad of ['5m', '-1', '1.5']) {
      const err = (() => {
        try {
          loadConfig({ MQTTCHAT_POLL_INTERVAL_MS: bad });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe('MQTTCHAT_POLL_INTERVAL_MS');
    }
  });
});

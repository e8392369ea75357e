import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttChatApiError, MqttChatClient } from '../../../src/providers/mqttchat/client';
import { ProviderSendError } from '../../../src/model/errors';
import { FakeMqttChat } from '../../fakes/mqttchat';

describe('MQTT CHAT REST client (fake API)', () => {
  const fake = new FakeMqttChat('app-1', 'secret-1');
  let client: MqttChatClient;

  beforeAll(async () => {
    await fake.start();
    client = new MqttChatClient(fake.url, 'app-1', 'secret-1', 2000);
    for (let i = 1; i <= 5; i++)
      fake.messages.push({ id: 100 + i, from_userid: i % 2 ? 2 : 3601, to_userid: i % 2 ? 3601 : 2, message: `m${i}`, timestamp: 1602511586 + i, type: 0 });
    fake.messages.push({ id: 200, from_userid: 9, to_userid: 10, message: 'elsewhere', timestamp: 1602511600, type: 0 });
  });
  afterAll(() => fake.stop());

  it('pages a user’s messages backwards with HTTP Basic, reading ok as true or "true"', async () => {
    const first = await client.userMessages('2', { limit: 3 });
    expect(first.map((m) => m.message.id)).toEqual([105, 104, 103]);
    expect(first[0]).toEqual({ from_userid: 2, to_userid: 3601, message: { id: 105, message: 'm5', p1: '', p2: '', p3: '', timestamp: 1602511591, type: 0 } });
    const second = await client.userMessages('2', { limit: 3, beforeMessageId: 103 });
    expect(second.map((m) => m.message.id)).toEqual([102, 101]);
    expect(fake.requests.slice(-2).map((r) => r.query)).toEqual([{ limit: '3' }, { limit: '3', before_messageid: '103' }]);
    expect(fake.requests.every((r) => r.authorized)).toBe(true);
  });

  it('turns {ok:false,error} (HTTP 200) and wrong credentials into errors', async () => {
    fake.failNext.push('user not found');
    await expect(client.userMessages('404', { limit: 5 })).rejects.toThrow(MqttChatApiError);
    const wrong = new MqttChatClient(fake.url, 'app-1', 'not-the-secret', 2000);
    const err = await wrong.userMessages('2', { limit: 5 }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderSendError);
    expect(err.message).toMatch(/HTTP 401/);
    expect(err.message).not.toContain('not-the-secret');
    fake.failNext.push(503);
    await expect(client.userMessages('2', { limit: 5 })).rejects.toMatchObject({ permanent: false });
  });
});

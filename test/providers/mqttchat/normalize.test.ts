import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env';
import { NormalizedEvent } from '../../../src/model';
import { mqttchat } from '../../../src/providers/mqttchat';
import { pairId, presenceOf } from '../../../src/providers/mqttchat/normalize';
import { mqttMessage } from '../../fixtures/mqttchat';

const config = loadConfig({ MQTTCHAT_WEBHOOK_SECRET: 's' });
const ctx = { config, receivedAt: '2024-01-01T00:00:00.000Z' };
const parse = (body: unknown) => mqttchat.parse({ headers: {}, rawBody: Buffer.from(JSON.stringify(body)), contentType: 'application/json' }, config);
const events = (body: unknown) => {
  const p = parse(body);
  if (!p.ok) throw new Error(p.error);
  const out = p.deliveries.flatMap((d) => mqttchat.normalize(JSON.parse(JSON.stringify(d.payload)), ctx));
  for (const e of out) expect(NormalizedEvent.safeParse(e).success).toBe(true);
  return out;
};
const keyOf = (body: unknown) => {
  const p = parse(body);
  return p.ok ? p.deliveries[0]!.key : p.error;
};

describe('MQTT CHAT normalize', () => {
  it('presence callback → the participant presence (seed 001)', () => {
    expect(events({ userid: 1, status: 'online', timestamp: 1602511574 })).toEqual([
      {
        type: 'presence',
        provider: 'mqttchat',
        participant: { externalId: '1', role: 'user' },
        presence: 'online',
        at: '2020-10-12T14:06:14.000Z',
        externalId: '1:online:1602511574',
      },
    ]);
    expect(keyOf({ userid: 1, status: 'online', timestamp: 1602511574 })).toBe('presence:1:online:1602511574');
  });

  it('userid 0 offline is the reset: a presence for everyone (no participant)', () => {
    const [e] = events({ userid: 0, status: 'offline', timestamp: 1602512000 });
    expect(e).toMatchObject({ type: 'presence', presence: 'offline' });
    expect((e as { participant?: unknown }).participant).toBeUndefined();
    // userid 0 online is not a reset
    expect(events({ userid: '0', status: 'online', timestamp: 1 })[0]).toMatchObject({ participant: { externalId: '0' } });
    expect(['online', 'offline', 'AWAY', 'busy', 'something-new'].map(presenceOf)).toEqual(['online', 'offline', 'away', 'busy', 'online']);
  });

  it('message callback → a message in the conversation of the two users', () => {
    const [e] = events(mqttMessage(138946, 'ok'));
    expect(e).toEqual({
      type: 'message',
      conversation: { provider: 'mqttchat', externalId: '2:3601', title: 'Users 2 and 3601', address: { users: ['2', '3601'] } },
      externalId: '138946',
      direction: 'inbound',
      author: { externalId: '2', role: 'user' },
      kind: 'text',
      text: 'ok',
      media: undefined,
      sentAt: '2020-10-12T14:06:26.000Z',
      status: 'received',
      orderKey: 138946,
      dispatch: true,
      meta: { type: 0, to: '3601' },
    });
    // the other direction lands in the same conversation
    expect(events(mqttMessage(138947, 'hi', { from: 3601, to: 2 }))[0]).toMatchObject({
      conversation: { externalId: '2:3601' },
      author: { externalId: '3601' },
    });
    expect(keyOf(mqttMessage(138946, 'ok'))).toBe('message:138946');
    expect(keyOf({ ...mqttMessage(138946, 'ok'), message: { ...mqttMessage(138946, 'ok').message, id: '138946' } })).toBe('message:138946');
  });

  it('sorts the pair numerically for numeric ids, as text otherwise', () => {
    expect(pairId('10', '9')).toBe('9:10');
    expect(pairId('9', '10')).toBe('9:10');
    expect(pairId('bob', 'alice')).toBe('alice:bob');
  });

  it('maps type 0-5 to kinds and keeps p1-p3 (P3 too)', () => {
    const kinds = [0, 1, 2, 3, 4, 5, 42].map((type, i) => (events(mqttMessage(1000 + i, 'x', { type }))[0] as { kind: string }).kind);
    expect(kinds).toEqual(['text', 'sticker', 'image', 'audio', 'image', 'call', 'text']);
    const [img] = events({
      from_userid: 2,
      to_userid: 3601,
      message: { id: 5, message: 'https://cdn.example/c.jpg', p1: '640', p2: 480, P3: 'jpg', timestamp: 1602511600, type: 4 },
    });
    expect(img).toMatchObject({ kind: 'image', media: { url: 'https://cdn.example/c.jpg' }, meta: { type: 4, p1: '640', p2: '480', p3: 'jpg' } });
  });

  it('names what is wrong', () => {
    expect(keyOf({ userid: 1, timestamp: 1 })).toMatch(/^status/);
    expect(keyOf({ from_userid: 1, to_userid: 2, message: { id: 0, message: 'x', timestamp: 1, type: 0 } })).toMatch(/^message\.id/);
    // Issue 16: with its message id it is kept raw (normalize quarantines it, naming message.timestamp).
    expect(keyOf({ from_userid: 1, to_userid: 2, message: { id: 1, message: 'x', type: 0 } })).toBe('message:1');
    expect(keyOf({ foo: 1 })).toMatch(/presence callback .* or a message callback/);
  });
});

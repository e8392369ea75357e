import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env';
import { parseSuperViz, verifySuperViz } from '../../../src/providers/superviz';
import { canonicalJson, eventKey, fromHistory, normalize } from '../../../src/providers/superviz/normalize';
import { SuperVizEvent } from '../../../src/providers/superviz/schema';
import type { WebhookRequest } from '../../../src/providers/types';
import { realisticBatch, svEvent } from '../../fixtures/superviz';

const config = loadConfig({ SUPERVIZ_WEBHOOK_SECRET: 'sv-secret' });
const ctx = { config, receivedAt: '2024-05-18T00:00:00.000Z' };
const req = (body: unknown, headers: Record<string, string> = {}): WebhookRequest => ({
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  contentType: 'application/json',
});

describe('SuperViz normalize', () => {
  it('makes a `message` event with data.text a text message in the channel conversation', () => {
    const [e] = normalize(svEvent(), ctx);
    expect(e).toMatchObject({
      type: 'message',
      conversation: { provider: 'superviz', externalId: 'support-room', address: { channel: 'support-room', roomId: 'room-42' } },
      direction: 'inbound',
      author: { externalId: '55x7kd', name: 'Ada', role: 'user' },
      kind: 'text',
      text: 'Hello, is anyone there?',
      sentAt: '2024-05-17T20:56:59.006Z',
      orderKey: Date.parse('2024-05-17T20:56:59.006Z'),
      dispatch: true,
    });
  });

  it('stores any other event (and a message without string text) as a session event of that name', () => {
    expect(normalize(svEvent({ event: 'hand.raised', data: { raised: true } }), ctx)[0]).toMatchObject({
      type: 'session',
      name: 'hand.raised',
      participant: { externalId: '55x7kd' },
    });
    expect(normalize(svEvent({ data: { text: 42 } }), ctx)[0]).toMatchObject({ type: 'session', name: 'message' });
    const custom = { ...ctx, config: loadConfig({ SUPERVIZ_WEBHOOK_SECRET: 's', SUPERVIZ_MESSAGE_EVENT: 'chat.text' }) };
    expect(normalize(svEvent(), custom)[0]).toMatchObject({ type: 'session' });
    expect(normalize(svEvent({ event: 'chat.text' }), custom)[0]).toMatchObject({ type: 'message' });
  });

  it('records our own published reply as outbound, never dispatched, under its ref', () => {
    const [e] = normalize(svEvent({ data: { text: 'hi', source: 'switchboard', ref: 'r-1' }, presenceId: undefined, socketId: null }), ctx);
    expect(e).toMatchObject({ type: 'message', direction: 'outbound', dispatch: false, externalId: 'out:r-1', author: { role: 'bot' }, status: 'sent' });
    const [other] = normalize(svEvent({ event: 'poll.opened', data: { source: 'switchboard', pollId: 'p' } }), ctx);
    expect(other).toMatchObject({ type: 'message', kind: 'event', text: 'poll.opened', direction: 'outbound', dispatch: false });
  });
});

describe('SuperViz dedupe key', () => {
  it('does not depend on key order, the date notation, apiKey, roomId or socketId', () => {
    const a = SuperVizEvent.parse(svEvent({ data: { a: 1, b: { c: 2, d: [1, { e: 3, f: 4 }] } } }));
    const b = SuperVizEvent.parse({
      ...svEvent({ data: { b: { d: [1, { f: 4, e: 3 }], c: 2 }, a: 1 } }),
      date: '2024-05-17T20:56:59.006+00:00',
      apiKey: 'other',
      roomId: undefined,
      socketId: null,
    });
    expect(eventKey(a)).toBe(eventKey(b));
    expect(eventKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(eventKey(a)).not.toBe(eventKey({ ...a, presenceId: 'someone-else' }));
    expect(eventKey(a)).not.toBe(eventKey({ ...a, data: { ...a.data, a: 2 } }));
    expect(canonicalJson({ b: 1, a: [true, null, 'x'] })).toBe('{"a":[true,null,"x"],"b":1}');
  });

  it('gives a channel-history event the key of the same event received by webhook', () => {
    const hooked = SuperVizEvent.parse(svEvent());
    const [polled] = fromHistory('support-room', {
      channel: { apiKey: 'k' },
      events: [
        {
          name: 'message',
          timestamp: Date.parse(hooked.date),
          participantId: '55x7kd',
          connectionId: 'c',
          data: { name: 'Ada', text: 'Hello, is anyone there?' },
        },
      ],
    });
    expect(eventKey(polled!)).toBe(eventKey(hooked));
  });
});

describe('SuperViz parse and verify', () => {
  it('makes one delivery per event; accepts an empty batch; refuses more than 1,000', () => {
    const one = parseSuperViz(req(svEvent()));
    expect(one.ok && one.deliveries).toHaveLength(1);
    const batch = parseSuperViz(req(realisticBatch(1000)));
    expect(batch.ok && new Set(batch.deliveries.map((d) => d.key)).size).toBe(1000);
    expect(parseSuperViz(req([]))).toEqual({ ok: true, deliveries: [] });
    expect(parseSuperViz(req(realisticBatch(1001)))).toMatchObject({ ok: false, error: expect.stringMatching(/1001 events.*at most 1000/) });
    // Issue 16: an event our schema cannot read is kept raw under a hash of its content (normalize quarantines it); a non-object is refused.
    const mixed = parseSuperViz(req([svEvent(), { ...svEvent(), channel: 7 }]));
    expect(mixed.ok && mixed.deliveries.map((d) => d.key.startsWith('raw:'))).toEqual([false, true]);
    expect(parseSuperViz(req([svEvent(), 7]))).toMatchObject({ ok: false, error: expect.stringMatching(/^1: expected an event object/) });
    expect(parseSuperViz(req({ ...svEvent(), data: null }))).toMatchObject({ ok: true });
  });

  it('needs the secret in SUPERVIZ_WEBHOOK_HEADER when that is set, raw or Bearer', () => {
    expect(verifySuperViz(req(''), config)).toEqual({ ok: true });
    const withHeader = loadConfig({ SUPERVIZ_WEBHOOK_SECRET: 'sv-secret', SUPERVIZ_WEBHOOK_HEADER: 'X-Superviz-Token' });
    expect(verifySuperViz(req('', { 'X-Superviz-Token': 'sv-secret' }), withHeader)).toEqual({ ok: true });
    expect(verifySuperViz(req('', { 'X-Superviz-Token': 'Bearer sv-secret' }), withHeader)).toEqual({ ok: true });
    expect(verifySuperViz(req('', { 'X-Superviz-Token': 'Bearer nope' }), withHeader)).toMatchObject({ ok: false });
    expect(verifySuperViz(req(''), withHeader)).toMatchObject({ ok: false, error: 'missing X-Superviz-Token header' });
  });

  it('reads SUPERVIZ_POLL_INTERVAL_MS: default 300000, 0 turns it off, junk is refused', () => {
    expect(config.SUPERVIZ_POLL_INTERVAL_MS).toBe(300_000);
    expect(loadConfig({ SUPERVIZ_POLL_INTERVAL_MS: '0' }).SUPERVIZ_POLL_INTERVAL_MS).toBe(0);
    expect(() => loadConfig({ SUPERVIZ_POLL_INTERVAL_MS: 'often' })).toThrow(/SUPERVIZ_POLL_INTERVAL_MS/);
  });
});

describe('SuperViz dates', () => {
  it('accepts ISO 8601 with a zone only', () => {
    for (const date of ['2024-05-17T20:56:59.006Z', '2024-05-17T20:56:59Z', '2024-05-17T23:56:59.006+03:00'])
      expect(parseSuperViz(req(svEvent({ date }))).ok).toBe(true);
    // Anything else is kept raw for quarantine (issue 16): normalize refuses it, naming `date`.
    for (const date of ['1', '2024-05-17', '2024-05-17 20:56:59', 'May 17 2024', '2024-13-45T99:99:99Z']) {
      const p = parseSuperViz(req(svEvent({ date })));
      expect(p.ok && p.deliveries[0]!.key.startsWith('raw:'), date).toBe(true);
      expect(() => normalize(svEvent({ date }), { config, receivedAt: '2024-01-01T00:00:00.000Z' }), date).toThrow(/date/);
    }
  });
});

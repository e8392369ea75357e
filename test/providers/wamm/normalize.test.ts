import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env';
import { NormalizedEvent } from '../../../src/model';
import { wamm } from '../../../src/providers/wamm';
import type { WebhookRequest } from '../../../src/providers/types';
import { wammMessage } from '../../fixtures/wamm';

const config = loadConfig({ WAMM_WEBHOOK_SECRET: 's', WAMM_TIMEZONE: 'Europe/Moscow' });
const ctx = { config, receivedAt: '2023-05-24T09:40:00.000Z' };
const req = (body: unknown): WebhookRequest => ({ headers: {}, rawBody: Buffer.from(JSON.stringify(body)), contentType: 'application/json' });

const base = { ...wammMessage().msg_data, msg_text: 'hi' };

function events(body: unknown, c = ctx) {
  const parsed = wamm.parse(req(body), config);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.deliveries.flatMap((d) => {
    // What is stored is JSON: normalize must work on the stored form.
    const out = wamm.normalize(JSON.parse(JSON.stringify(d.payload)), c);
    for (const e of out) NormalizedEvent.parse(e);
    return out.map((e) => ({ key: d.key, ...e }));
  });
}

describe('WAMM normalize', () => {
  it('maps an incoming text to an inbound message in the account+phone conversation', () => {
    const [e] = events({ tip: 'msg', msg_data: base });
    expect(e).toMatchObject({
      key: 'msg:1234567',
      type: 'message',
      conversation: {
        provider: 'wamm',
        externalId: '79990000000:79001234567',
        title: 'Ivan Petrov',
        address: { account: '79990000000', phone: '79001234567' },
      },
      externalId: '1234567',
      direction: 'inbound',
      author: { externalId: '79001234567', name: 'Ivan Petrov', role: 'user' },
      kind: 'text',
      text: 'hi',
      sentAt: '2023-05-24T09:35:29.000Z',
      status: 'received',
      orderKey: 1234567,
      dispatch: true,
    });
  });

  it('uses the delivery time when WAMM_TIMEZONE is unset (date_ins has no zone)', () => {
    const [e] = events({ tip: 'msg', msg_data: base }, { config: loadConfig({ WAMM_WEBHOOK_SECRET: 's' }), receivedAt: ctx.receivedAt });
    expect(e).toMatchObject({ sentAt: ctx.receivedAt });
  });

  it.each([
    ['textMessage', 'text'],
    ['imageMessage', 'image'],
    ['audioMessage', 'audio'],
    ['videoMessage', 'video'],
    ['documentMessage', 'file'],
    ['location', 'location'],
    ['file_link', 'file'],
  ])('tip_msg %s → kind %s', (tip, kind) => {
    const [e] = events({ tip: 'msg', msg_data: { ...base, tip_msg: tip, msg_link: 'https://x/f' } });
    expect(e).toMatchObject({ kind, media: { url: 'https://x/f' } });
  });

  it('marks from_me and from_api messages outbound and never dispatched', () => {
    const [op] = events({ tip: 'msg', msg_data: { ...base, from_me: 1, state: 'delivered' } });
    expect(op).toMatchObject({ direction: 'outbound', dispatch: false, status: 'delivered', author: { role: 'operator', externalId: '79990000000' } });
    const [api] = events({ tip: 'msg', msg_data: { ...base, from_me: '1', from_api: '1', state: 'sending' } });
    expect(api).toMatchObject({ direction: 'outbound', dispatch: false, status: 'pending', author: { role: 'bot' } });
  });

  it('takes the group sender as the author', () => {
    const [e] = events({ tip: 'msg', msg_data: { ...base, phone: '120363000000000000', senderId: '79005550000', senderName: 'Olga' } });
    expect(e).toMatchObject({ conversation: { externalId: '79990000000:120363000000000000' }, author: { externalId: '79005550000', name: 'Olga' } });
  });

  it('gives one id whether msg_id arrives as a number or a string', () => {
    const [a] = events({ tip: 'msg', msg_data: { ...base, msg_id: 42 } });
    const [b] = events({ tip: 'msg', msg_data: { ...base, msg_id: '42' } });
    expect(a!.key).toBe(b!.key);
    expect(a).toMatchObject({ externalId: '42', orderKey: 42 });
    expect(b).toMatchObject({ externalId: '42', orderKey: 42 });
  });

  it('maps msg_state to a status event for that message id', () => {
    const [e] = events({ tip: 'msg_state', msg_data: { msg_id: '1234567', date_upd: '2023-05-24 22:46:03', state: 'viewed' } });
    expect(e).toMatchObject({
      key: 'state:1234567:viewed:2023-05-24 22:46:03',
      type: 'status',
      messageExternalId: '1234567',
      status: 'read',
      rawStatus: 'viewed',
      at: '2023-05-24T19:46:03.000Z',
    });
  });

  it.each([
    ['not an object', 'x'],
    ['unknown tip', { tip: 'ping' }],
    ['missing msg_data', { tip: 'msg' }],
    ['msg_id with letters', { tip: 'msg', msg_data: { ...base, msg_id: '12a' } }],
  ])('rejects %s (no delivery id) with an error naming the field', (_name, body) => {
    const r = wamm.parse(req(body), config);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/:/);
  });

  // Issue 16: with a message id the body is stored raw (200), and normalize names the field for the quarantine reason.
  it.each([
    ['from_me out of range', { tip: 'msg', msg_data: { ...base, from_me: 2 } }, 'msg:1234567', /from_me/],
    ['bad date_ins', { tip: 'msg', msg_data: { ...base, date_ins: 'today' } }, 'msg:1234567', /date_ins/],
    [
      'status without state',
      { tip: 'msg_state', msg_data: { msg_id: '1', date_upd: '2023-05-24 22:46:03' } },
      'state:1:undefined:2023-05-24 22:46:03',
      /state/,
    ],
  ])('keeps %s raw under its delivery id, for normalize to quarantine', (_name, body, key, field) => {
    const r = wamm.parse(req(body), config);
    expect(r.ok && r.deliveries.map((d) => [d.key, d.payload])).toEqual([[key, body]]);
    expect(() => wamm.normalize(body, { config, receivedAt: '2024-01-01T00:00:00.000Z' })).toThrow(field);
  });
});

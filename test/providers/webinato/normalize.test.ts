import { describe, expect, it } from 'vitest';
import { quarantineReason } from '../../../src/pipeline/normalize-delivery';
import { loadConfig } from '../../../src/config/env';
import { NormalizedEvent } from '../../../src/model';
import { webinato } from '../../../src/providers/webinato';
import { deliveryKey, roleOf } from '../../../src/providers/webinato/normalize';
import { webinatoForm, webinatoMsg } from '../../fixtures/webinato';

const config = loadConfig({ WEBINATO_WEBHOOK_SECRET: 's' });
const ctx = { config, receivedAt: '2024-04-15T13:00:00.000Z' };
const parse = (body: string | Buffer) =>
  webinato.parse({ headers: {}, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body), contentType: 'application/x-www-form-urlencoded' }, config);
const events = (body: string) => {
  const p = parse(body);
  if (!p.ok) throw new Error(p.error);
  return p.deliveries.flatMap((d) => webinato.normalize(JSON.parse(JSON.stringify(d.payload)), ctx));
};

describe('Webinato normalize', () => {
  it('turns a batch into messages in the room plus the batch number', () => {
    const out = events(
      webinatoForm({
        roomID: '48213',
        batchNo: 7,
        msgs: [webinatoMsg(101, 'Hello?', { ts: 1713187200 }), webinatoMsg(102, 'Yes', { authorName: 'Dr. Chen', authorRole: 2, ts: 1713187205 })],
      }),
    );
    for (const e of out) expect(NormalizedEvent.safeParse(e).success).toBe(true);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({
      type: 'message',
      conversation: { provider: 'webinato', externalId: '48213', address: { roomID: '48213' } },
      externalId: '48213:101',
      direction: 'inbound',
      author: { externalId: '48213:Maria Lopez', name: 'Maria Lopez', role: 'attendee' },
      kind: 'text',
      text: 'Hello?',
      sentAt: '2024-04-15T13:20:00.000Z',
      orderKey: 101,
      dispatch: true,
      meta: { batchNo: 7, authorRole: 0 },
    });
    expect(out[1]).toMatchObject({ externalId: '48213:102', author: { role: 'presenter', name: 'Dr. Chen' }, orderKey: 102 });
    expect(out[2]).toEqual({ type: 'sequence', provider: 'webinato', scope: '48213', sequence: 7 });
  });

  it('maps authorRole 0/1 attendee, 2 presenter, 3 organizer (numbers or strings)', () => {
    expect([0, 1, 2, 3, 9].map(roleOf)).toEqual(['attendee', 'attendee', 'presenter', 'organizer', 'attendee']);
    const out = events(webinatoForm({ msgs: [{ authorName: 'Host', authorRole: '3', ts: '1713187200', msgID: '5', text: 'Welcome' }] }));
    expect(out[0]).toMatchObject({ author: { role: 'organizer' }, orderKey: 5, externalId: '48213:5', sentAt: '2024-04-15T13:20:00.000Z' });
  });

  it('an empty batch still records its batch number', () => {
    expect(events(webinatoForm({ batchNo: 4, msgs: [] }))).toEqual([{ type: 'sequence', provider: 'webinato', scope: '48213', sequence: 4 }]);
  });

  it('keys a delivery on its content: a retry matches, a restarted session with the same batchNo does not', () => {
    const a = parse(webinatoForm({ batchNo: 1, msgs: [webinatoMsg(1, 'x')] }));
    const b = parse(webinatoForm({ batchNo: 1, msgs: [webinatoMsg(1, 'x')] }));
    const c = parse(webinatoForm({ batchNo: 1, msgs: [webinatoMsg(40, 'new session')] }));
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (!a.ok || !b.ok || !c.ok) return;
    expect(a.deliveries[0]!.key).toBe(b.deliveries[0]!.key);
    expect(a.deliveries[0]!.key).not.toBe(c.deliveries[0]!.key);
    expect(a.deliveries[0]!.key).toMatch(/^batch:48213:1:[0-9a-f]{32}$/);
    expect(deliveryKey('1', 23, '[]')).not.toBe(deliveryKey('12', 3, '[]'));
  });

  it('names what is wrong in a bad batch', () => {
    // With a room and a batch number the form is stored (issue 16) and the reason is the quarantine's, from normalize.
    const err = (body: string | Buffer) => {
      const p = parse(body);
      if (!p.ok) return p.error;
      try {
        webinato.normalize(p.deliveries[0]!.payload, { config, receivedAt: '2024-01-01T00:00:00.000Z' });
        return 'accepted';
      } catch (e) {
        return quarantineReason(e);
      }
    };
    expect(err(webinatoForm({ inquiry: 'other' }))).toMatch(/^inquiry: .*realTimeChat/);
    expect(err(webinatoForm({ msgsJSON: '[{' }))).toMatch(/^msgsJSON: not valid JSON/);
    expect(err(webinatoForm({ msgsJSON: '"hello"' }))).toMatch(/^msgsJSON: expected a JSON array/);
    expect(err(webinatoForm({ msgs: [{ authorName: 'A', authorRole: 0, ts: 1, text: 'x' }] }))).toMatch(/^msgsJSON\.0\.msgID/);
    expect(err(webinatoForm({ batchNo: '-1' }))).toMatch(/^no delivery id: batchNo/);
    expect(err(webinatoForm({ roomID: '' }))).toMatch(/^no delivery id: roomID/);
    expect(err(Buffer.from([0x69, 0x3d, 0xff]))).toBe('body is not valid UTF-8');
  });
});

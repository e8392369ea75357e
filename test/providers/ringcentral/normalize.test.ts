import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env';
import { verifyRingCentral } from '../../../src/providers/ringcentral';
import { normalize } from '../../../src/providers/ringcentral/normalize';
import type { WebhookRequest } from '../../../src/providers/types';
import { envelope, registrant, sessionCreated, sessionState, SESSION_ID, WEBINAR_ID } from '../../fixtures/ringcentral';

const ctx = { config: loadConfig({}), receivedAt: '2026-03-02T18:00:00.000Z' };
const events = (body: string) => normalize(JSON.parse(body), ctx);
const req = (headers: Record<string, string>, body = ''): WebhookRequest => ({
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  rawBody: Buffer.from(body),
  contentType: 'application/json',
});

describe('RingCentral normalize', () => {
  it('puts a session notification in the session conversation, with its host as organizer', () => {
    const [e] = events(sessionCreated());
    expect(e).toMatchObject({
      type: 'session',
      name: 'session.created',
      conversation: {
        provider: 'ringcentral',
        externalId: SESSION_ID,
        title: 'Live Broadcasting US',
        address: { webinarId: WEBINAR_ID, sessionId: SESSION_ID },
      },
      participant: { externalId: 'user:1000001', role: 'organizer' },
      externalId: 'rc-fixture-0001',
      at: '2026-03-02T14:00:00.000Z',
      orderKey: Date.parse('2026-03-02T14:00:00.000Z'),
    });
  });

  it('maps runtime states to started / ended and keeps unknown ones by name', () => {
    expect(events(sessionState('a', 'Active', '2026-03-02T16:00:00Z'))[0]).toMatchObject({ name: 'session.started' });
    expect(events(sessionState('b', 'Finished', '2026-03-02T17:00:00Z'))[0]).toMatchObject({ name: 'session.ended' });
    expect(events(sessionState('c', 'Paused', '2026-03-02T17:00:00Z'))[0]).toMatchObject({ name: 'session.paused' });
  });

  it('makes a registrant an attendee, nested or flat', () => {
    expect(events(registrant('r1', 'reg-9', 'Ann', '2026-03-02T15:00:00Z'))[0]).toMatchObject({
      name: 'registrant.created',
      conversation: { externalId: SESSION_ID },
      participant: { externalId: 'registrant:reg-9', name: 'Ann Doe', role: 'attendee' },
    });
    const flat = envelope('r2', '/webinar/registration/v1/company/sessions/registrants', { id: 'reg-10', sessionId: 's-2', firstName: 'Bo', lastName: 'Li' });
    expect(events(flat)[0]).toMatchObject({
      name: 'registrant.updated',
      conversation: { externalId: 's-2' },
      participant: { externalId: 'registrant:reg-10', name: 'Bo Li' },
    });
  });

  it('keeps a body it does not understand, in a conversation per subscription', () => {
    const [e] = events(envelope('u1', '/webinar/something/new', { foo: 1 }));
    expect(e).toMatchObject({
      type: 'session',
      name: 'webinar.something.new',
      conversation: { externalId: 'subscription:9d38419f-4bc8-4b07-ae1c-3e4ab5d0e2a1' },
    });
  });

  it('takes the webinar id from the event filter when the body lacks it', () => {
    const [e] = events(envelope('u2', '/webinar/runtime/v1/company/sessions/state?webinarId=777', { sessionId: 's-3', runtimeStatus: 'Active' }));
    expect(e).toMatchObject({ conversation: { externalId: 's-3', address: { webinarId: '777', sessionId: 's-3' } } });
  });
});

describe('RingCentral verify', () => {
  const withToken = loadConfig({ RINGCENTRAL_WEBHOOK_SECRET: 's', RINGCENTRAL_VERIFICATION_TOKEN: 'tok-1234' });
  const without = loadConfig({ RINGCENTRAL_WEBHOOK_SECRET: 's' });
  const body = sessionCreated();

  it('with a token: either header equal to it is a notification; another Validation-Token is a handshake; none is 401', () => {
    expect(verifyRingCentral(req({ 'Verification-Token': 'tok-1234' }, body), withToken)).toEqual({ ok: true });
    expect(verifyRingCentral(req({ 'Validation-Token': 'tok-1234' }, body), withToken)).toEqual({ ok: true });
    expect(verifyRingCentral(req({ 'Validation-Token': 'abc' }), withToken)).toEqual({
      ok: 'respond',
      status: 200,
      headers: { 'Validation-Token': 'abc', 'Content-Type': 'application/json' },
    });
    expect(verifyRingCentral(req({}, body), withToken)).toMatchObject({ ok: false });
    expect(verifyRingCentral(req({ 'Verification-Token': 'nope' }, body), withToken)).toMatchObject({ ok: false });
  });

  it('without a token: an empty Validation-Token request is the handshake, an envelope is a notification', () => {
    expect(verifyRingCentral(req({ 'Validation-Token': 'abc' }), without)).toMatchObject({ ok: 'respond' });
    expect(verifyRingCentral(req({ 'Validation-Token': 'abc' }, body), without)).toEqual({ ok: true });
    expect(verifyRingCentral(req({}, body), without)).toEqual({ ok: true });
  });
});

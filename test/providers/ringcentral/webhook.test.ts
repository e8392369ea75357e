import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RC_TOKEN, registrant, registrationState, sessionCreated, sessionState, SESSION_ID, WEBINAR_ID } from '../../fixtures/ringcentral';
import { eventually, startServer, tempDir, type ServerProcess } from '../../helpers/process';
import { rawRequest } from '../../helpers/raw-http';

/** RingCentral Webinar through the real server process: handshake, verification, dedupe, session events. */
const SECRET = 'rc-path-secret-123';
const ADMIN = 'admin-token-rc';

describe('RingCentral Webinar webhooks (real server process)', () => {
  const dir = tempDir();
  let sb: ServerProcess;
  const url = () => `${sb.url}/webhooks/ringcentral/${SECRET}`;
  const post = (body: string, headers: Record<string, string> = { 'Verification-Token': RC_TOKEN }) =>
    fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const api = async (path: string) => {
    const r = await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.status).toBe(200);
    return r.json() as Promise<any>;
  };
  const deliveries = async () => (await api('/api/health')).providers.find((p: any) => p.provider === 'ringcentral').deliveries as number;

  beforeAll(async () => {
    sb = await startServer({
      DATA_DIR: dir.path,
      RINGCENTRAL_WEBHOOK_SECRET: SECRET,
      RINGCENTRAL_VERIFICATION_TOKEN: RC_TOKEN,
      ADMIN_TOKEN: ADMIN,
      BOTS: 'echo',
    });
  });
  afterAll(async () => {
    await sb?.stop();
    dir.remove();
  });

  it('answers the Validation-Token handshake: 200, token echoed, empty body, under 1,024 bytes, nothing stored', async () => {
    const token = '6f1b9a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
    const r = await rawRequest(url(), { headers: { 'Validation-Token': token } });
    expect(r.status).toBe(200);
    expect(r.headers['validation-token']).toBe(token);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.body).toBe('');
    expect(r.bytes).toBeLessThan(1024);
    // A long token still fits: RingCentral's tokens are UUIDs, this is 4 of them.
    const long = await rawRequest(url(), { headers: { 'Validation-Token': token.repeat(4) } });
    expect(long.bytes).toBeLessThan(1024);
    expect(await deliveries()).toBe(0);
  });

  it('accepts a notification carrying our token in Verification-Token or Validation-Token', async () => {
    expect((await post(sessionCreated())).status).toBe(200);
    const r = await post(registrant('rc-uuid-reg-1', 'reg-1', 'John', '2026-03-02T14:30:00.000Z'), { 'Validation-Token': RC_TOKEN });
    expect(r.status).toBe(200);
    expect(r.headers.get('validation-token')).toBeNull();
    expect(await r.json()).toMatchObject({ stored: 1, duplicates: 0 });
  });

  it('refuses a notification without our token (401) and stores nothing', async () => {
    const before = await deliveries();
    const none = await post(sessionState('rc-uuid-x1', 'Active', '2026-03-02T16:00:05.000Z'), {});
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error).toMatch(/Verification-Token/);
    expect((await post(sessionState('rc-uuid-x2', 'Active', '2026-03-02T16:00:05.000Z'), { 'Verification-Token': 'not-it' })).status).toBe(401);
    expect(
      (await fetch(`${sb.url}/webhooks/ringcentral/wrong`, { method: 'POST', headers: { 'Verification-Token': RC_TOKEN }, body: sessionCreated() })).status,
    ).toBe(401);
    expect((await post('{"uuid":')).status).toBe(400);
    expect((await post(JSON.stringify({ event: '/x', timestamp: 'soon', subscriptionId: 's', body: {} }))).status).toBe(400);
    expect(await deliveries()).toBe(before);
  });

  it('drops a retried notification by uuid', async () => {
    const r = await post(sessionCreated());
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ stored: 0, duplicates: 1 });
  });

  it('shows the session as one conversation, events in timestamp order, registrants as attendees', async () => {
    // Sent out of order: the conversation reads in RingCentral's timestamps.
    for (const body of [
      sessionState('rc-uuid-end', 'Finished', '2026-03-02T17:01:00.000Z'),
      sessionState('rc-uuid-start', 'Active', '2026-03-02T16:00:05.000Z'),
      registrationState('rc-uuid-regclosed', 'Closed', '2026-03-02T15:59:00.000Z'),
      registrant('rc-uuid-reg-2', 'reg-2', 'Jane', '2026-03-02T15:10:00.000Z'),
    ]) {
      expect((await post(body)).status).toBe(200);
    }
    // Conversations are written after the 200, when the delivery is processed.
    const conversations = await eventually(async () => {
      const list = (await api('/api/conversations?provider=ringcentral')).conversations as any[];
      return list.length > 0 && list[0].title ? list : undefined;
    });
    expect(conversations).toHaveLength(1);
    expect(conversations[0]).toMatchObject({ provider: 'ringcentral', externalId: SESSION_ID, title: 'Live Broadcasting US' });
    const messages = await eventually(async () => {
      const m = (await api(`/api/conversations/${conversations[0].id}/messages`)).messages as any[];
      return m.length === 6 ? m : undefined;
    });
    expect(messages.map((m) => m.text)).toEqual([
      'session.created',
      'registrant.created',
      'registrant.created',
      'registration.closed',
      'session.started',
      'session.ended',
    ]);
    expect(messages.every((m) => m.kind === 'event' && m.direction === 'inbound')).toBe(true);
    expect(messages[0]).toMatchObject({ externalId: 'rc-fixture-0001', author: { id: 'user:1000001', role: 'organizer' }, sentAt: '2026-03-02T14:00:00.000Z' });
    expect(messages[1]).toMatchObject({ author: { id: 'registrant:reg-1', name: 'John Doe', role: 'attendee' } });
    expect(messages[2]).toMatchObject({ author: { id: 'registrant:reg-2', name: 'Jane Doe', role: 'attendee' } });
    expect(conversations[0].externalId).toContain(SESSION_ID);
    void WEBINAR_ID;
  });

  it('never writes the secrets into its logs', () => {
    const all = sb.logs.join('\n');
    for (const s of [SECRET, RC_TOKEN, ADMIN]) expect(all).not.toContain(s);
  });
});

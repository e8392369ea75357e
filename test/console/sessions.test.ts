import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createSwitchboard, type Switchboard } from '../../src/app/switchboard';
import { createLogger } from '../../src/base/log';
import { loadConfig } from '../../src/config/env';
import { hashPassword } from '../../src/console/passwords';
import { LIMITS } from '../../src/console/sessions';
import { consoleStoreOf } from '../../src/store/console';

/** Console sign-in, sessions, CSRF and roles through the HTTP routes of a real createSwitchboard. */
describe('console sessions', () => {
  let sb: Switchboard | undefined;
  let url = '';
  afterEach(async () => {
    await sb?.stop();
    sb = undefined;
  });

  const quiet = createLogger({ level: 'error', secrets: [], stream: new Writable({ write: (_c, _e, done) => done() }) });
  async function start(env: Record<string, string> = {}) {
    sb = await createSwitchboard(loadConfig({ DATA_DIR: ':memory:', ADMIN_TOKEN: 'admin-token-1', BOTS: 'echo', ...env }), { log: quiet });
    url = `http://127.0.0.1:${(await sb.listen(0)).port}`;
    const cs = consoleStoreOf(sb.store);
    await cs.addOperator({ name: 'ana', role: 'admin', passwordHash: await hashPassword('ana-password-1') });
    await cs.addOperator({ name: 'bo', role: 'operator', passwordHash: await hashPassword('bo-password-1') });
    return cs;
  }
  const login = (name: string, password: string) =>
    fetch(`${url}/api/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  async function signIn(name: string, password: string) {
    const r = await login(name, password);
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = (await r.json()) as { csrfToken: string };
    return { cookie, csrfToken, r };
  }

  it('signs in with an HttpOnly SameSite=Lax cookie, and refuses a wrong password, then everything for that account once rate-limited', async () => {
    await start();
    expect((await login('ana', 'wrong-password')).status).toBe(401);
    expect((await login('nobody', 'wrong-password')).status).toBe(401);
    const { r } = await signIn('ana', 'ana-password-1');
    expect(r.headers.get('set-cookie')).toMatch(/^sb_console=[\w-]+; Path=\/; HttpOnly; SameSite=Lax$/);

    for (let i = 0; i < LIMITS.perAccount; i++) await login('bo', 'wrong-password');
    const limited = await login('bo', 'bo-password-1');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account from the same address is still let in (the address limit is higher).
    await signIn('ana', 'ana-password-1');
  });

  it('limits failures per address across account names', async () => {
    await start();
    for (let i = 0; i < LIMITS.perAddress; i++) await login(`guess-${i}`, 'wrong-password');
    expect((await login('ana', 'ana-password-1')).status).toBe(429);
  });

  it('works without ADMIN_TOKEN: the console signs operators in while the bearer API stays off (404)', async () => {
    await start({ ADMIN_TOKEN: '' });
    expect((await fetch(`${url}/api/console/conversations`)).status).toBe(404);
    const bo = await signIn('bo', 'bo-password-1');
    expect((await fetch(`${url}/api/console/conversations`, { headers: { cookie: bo.cookie } })).status).toBe(200);
    expect((await fetch(`${url}/console/conversations`)).headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  });

  it('marks the cookie Secure when PUBLIC_URL is https', async () => {
    await start({ PUBLIC_URL: 'https://bots.example.com' });
    const { r } = await signIn('ana', 'ana-password-1');
    expect(r.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  it('needs the CSRF token on every state-changing request; an operator gets 403 on deliveries and the audit log; the bearer token still works', async () => {
    await start();
    const ana = await signIn('ana', 'ana-password-1');
    const bo = await signIn('bo', 'bo-password-1');
    const get = (path: string, s: { cookie: string }) => fetch(`${url}${path}`, { headers: { cookie: s.cookie } });
    const post = (path: string, s: { cookie: string }, csrf?: string) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { cookie: s.cookie, 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
        body: '{}',
      });

    expect(await (await get('/api/console/session', ana)).json()).toMatchObject({ actor: { name: 'ana', role: 'admin' }, csrfToken: ana.csrfToken });
    expect((await post('/api/console/dead-letters/retry', ana)).status).toBe(403);
    expect((await post('/api/console/dead-letters/retry', ana, 'not-the-token')).status).toBe(403);
    expect((await post('/api/console/dead-letters/retry', ana, bo.csrfToken)).status).toBe(403);
    expect((await post('/api/console/dead-letters/retry', ana, ana.csrfToken)).status).toBe(200);

    expect((await get('/api/deliveries', bo)).status).toBe(403);
    expect((await get('/api/console/audit', bo)).status).toBe(403);
    expect((await get('/api/console/conversations', bo)).status).toBe(200);
    expect((await get('/api/deliveries', ana)).status).toBe(200);
    const audit = (await (await get('/api/console/audit', ana)).json()) as { entries: { operatorName: string; action: string }[] };
    expect(audit.entries.map((e) => `${e.operatorName} ${e.action}`)).toContain('bo signed in');

    const bearer = { authorization: 'Bearer admin-token-1' };
    expect((await fetch(`${url}/api/console/audit`, { headers: bearer })).status).toBe(200);
    expect((await fetch(`${url}/api/console/dead-letters/retry`, { method: 'POST', headers: bearer })).status).toBe(200);
    expect((await fetch(`${url}/api/console/conversations`)).status).toBe(401);
  });

  it('tells a second operator who is answering a conversation instead of letting both answer unknowingly', async () => {
    await start();
    const ana = await signIn('ana', 'ana-password-1');
    const bo = await signIn('bo', 'bo-password-1');
    const cs = consoleStoreOf(sb!.store);
    const id = Number(
      (await cs.db.get<{ id: number }>(
        "INSERT INTO conversations (provider, external_id, status, address, last_message_at, created_at) VALUES ('wamm', 'c-1', 'open', '{}', ?, ?) RETURNING id",
        [new Date().toISOString(), new Date().toISOString()],
      ))!.id,
    );
    const post = (path: string, s: { cookie: string; csrfToken: string }, body: unknown = {}) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { cookie: s.cookie, 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
        body: JSON.stringify(body),
      });
    expect((await post(`/api/console/conversations/${id}/takeover`, ana)).status).toBe(200);
    const refused = await post(`/api/console/conversations/${id}/messages`, bo, { text: 'me too' });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^ana is answering this conversation/);
    expect((await post(`/api/console/conversations/${id}/takeover`, bo, { force: true })).status).toBe(200);
    expect((await post(`/api/console/conversations/${id}/messages`, bo, { text: 'Bo here' })).status).toBe(200);
    expect((await post(`/api/console/conversations/${id}/messages`, ana, { text: 'me again' })).status).toBe(409);
  });

  it('signs out after the idle timeout and on logout', async () => {
    const cs = await start();
    const ana = await signIn('ana', 'ana-password-1');
    const session = () => fetch(`${url}/api/console/session`, { headers: { cookie: ana.cookie } });
    expect((await session()).status).toBe(200);
    // Last used longer ago than CONSOLE_SESSION_IDLE_MS (8 h by default).
    await cs.db.run('UPDATE operator_sessions SET last_seen_at = ?', [new Date(Date.now() - 9 * 3600_000).toISOString()]);
    expect((await session()).status).toBe(401);

    const again = await signIn('ana', 'ana-password-1');
    await fetch(`${url}/api/console/logout`, { method: 'POST', headers: { cookie: again.cookie } });
    expect((await fetch(`${url}/api/console/session`, { headers: { cookie: again.cookie } })).status).toBe(401);
  });
});

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRingCentral } from '../../fakes/ringcentral';
import { CLI, startServer, tempDir, type ServerProcess } from '../../helpers/process';

/**
 * `npm run cli -- ringcentral …` as a child process against a fake RingCentral API whose create
 * call performs the Validation-Token handshake against the real server process.
 */
const SECRET = 'rc-cli-path-secret';
const TOKEN = 'rc-cli-verification-token';

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run cli -- ringcentral (fake RingCentral API, real server)', () => {
  const dir = tempDir();
  const rc = new FakeRingCentral();
  let sb: ServerProcess;
  let env: Record<string, string>;
  const run = (...args: string[]) => cli(['ringcentral', ...args], env);

  beforeAll(async () => {
    await rc.start();
    sb = await startServer({ DATA_DIR: dir.path, RINGCENTRAL_WEBHOOK_SECRET: SECRET, RINGCENTRAL_VERIFICATION_TOKEN: TOKEN });
    env = {
      PUBLIC_URL: sb.url,
      RINGCENTRAL_WEBHOOK_SECRET: SECRET,
      RINGCENTRAL_VERIFICATION_TOKEN: TOKEN,
      RINGCENTRAL_SERVER_URL: rc.url,
      RINGCENTRAL_CLIENT_ID: rc.clientId,
      RINGCENTRAL_CLIENT_SECRET: rc.clientSecret,
      RINGCENTRAL_JWT: rc.jwt,
    };
  });
  afterAll(async () => {
    await sb?.stop();
    await rc.stop();
    dir.remove();
  });

  it('subscribes this server to the four webinar filters, passing the handshake', async () => {
    const r = await run('subscribe', '--webinar-id', '890123456');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const subs = [...rc.subscriptions.values()];
    expect(subs).toHaveLength(1);
    expect(subs[0]!.eventFilters).toEqual([
      '/webinar/configuration/v1/company/sessions?webinarId=890123456',
      '/webinar/runtime/v1/company/sessions/state?webinarId=890123456',
      '/webinar/registration/v1/company/sessions/state?webinarId=890123456',
      '/webinar/registration/v1/company/sessions/registrants?webinarId=890123456',
    ]);
    expect(subs[0]!.deliveryMode).toEqual({ transportType: 'WebHook', address: `${sb.url}/webhooks/ringcentral/${SECRET}`, verificationToken: TOKEN });
    expect(subs[0]!.expiresIn).toBe(315_360_000);
    expect(rc.handshakes).toEqual([{ address: `${sb.url}/webhooks/ringcentral/${SECRET}`, status: 200, bytes: expect.any(Number), echoed: true }]);
    expect(rc.handshakes[0]!.bytes).toBeLessThan(1024);
    expect(r.stdout).toContain('/webhooks/ringcentral/<secret>');
    expect(r.stdout).not.toContain(SECRET);
  });

  it('does not subscribe twice unless forced; lists what it has', async () => {
    const again = await run('subscribe');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already subscribed/);
    expect(rc.subscriptions.size).toBe(1);
    const list = await run('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/Active/);
    expect(list.stdout).toContain([...rc.subscriptions.keys()][0]);
    const json = await run('list', '--json');
    expect(JSON.parse(json.stdout)[0]).toMatchObject({
      status: 'Active',
      deliveryMode: { address: `${sb.url}/webhooks/ringcentral/<secret>`, verificationToken: '<redacted>' },
    });
    expect(json.stdout).not.toContain(TOKEN);
    expect(json.stdout).not.toContain(SECRET);
  });

  it('renews only the subscriptions expiring within N days', async () => {
    const forced = await run('subscribe', '--force', '--expires-in', '3600');
    expect(forced.code).toBe(0);
    const short = [...rc.subscriptions.values()].find((s) => s.expiresIn === 3600)!;
    const before = short.expirationTime;
    short.expiresIn = 86_400 * 60; // what the renewal will grant
    const r = await run('renew', '--days', '7');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 subscription\(s\) renewed/);
    expect(rc.requests).toContain(`POST /webinar/notifications/v1/subscriptions/${short.id}/renew`);
    expect(Date.parse(short.expirationTime)).toBeGreaterThan(Date.parse(before));
  });

  it('recreates blacklisted subscriptions and deletes them all', async () => {
    const victim = [...rc.subscriptions.values()][0]!;
    rc.blacklist(victim.id);
    const r = await run('recreate');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 blacklisted subscription\(s\) recreated/);
    expect(rc.subscriptions.has(victim.id)).toBe(false);
    expect([...rc.subscriptions.values()].every((s) => s.status === 'Active')).toBe(true);
    expect([...rc.subscriptions.values()].some((s) => s.eventFilters.join() === victim.eventFilters.join())).toBe(true);
    const del = await run('delete', '--all');
    expect(del.code).toBe(0);
    expect(rc.subscriptions.size).toBe(0);
  });

  it('fails clearly on bad credentials, bad options and missing settings', async () => {
    const [bad, usage, noUrl, unknown] = await Promise.all([
      cli(['ringcentral', 'list'], { ...env, RINGCENTRAL_JWT: 'wrong-jwt' }),
      run('renew', '--days', 'soon'),
      cli(['ringcentral', 'subscribe'], { ...env, PUBLIC_URL: '' }),
      cli(['nope'], env),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ringcentral list failed/);
    expect(usage.code).toBe(64);
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toMatch(/PUBLIC_URL/);
    expect(unknown.code).toBe(64);
    for (const out of [bad, usage, noUrl]) expect(out.stdout + out.stderr).not.toContain(SECRET);
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/providers';
import type { ProviderContract } from '../contract/types';
import { eventually, startServer, tempDir, type ServerProcess } from '../helpers/process';
import { wammMsg } from './wamm-kit';

/**
 * Through the real process: unauthenticated floods get 429 per route and client without slowing
 * valid deliveries, and no secret (webhook secrets, API tokens, the admin token) reaches the logs,
 * also on error paths whose messages carry provider URLs (WAMM /api2/<m>/<token>, Telegram /bot<token>/).
 */
const contracts = (
  await Promise.all(
    PROVIDERS.map(async (p) => {
      const file = join(import.meta.dirname, '..', 'fixtures', p.name, 'index.ts');
      return existsSync(file) ? ((await import(file)).contract as ProviderContract) : undefined;
    }),
  )
).filter((c): c is ProviderContract => !!c);

const ADMIN = 'hostile-admin-token-0042';
const WAMM_TOKEN = 'hostile-wamm-api-token-0042';
const wamm = contracts.find((c) => c.provider === 'wamm')!;

describe('hostile clients (real process)', () => {
  const dir = tempDir();
  let sb: ServerProcess;
  let env: Record<string, string>;
  beforeAll(async () => {
    env = {
      ...Object.assign({}, ...contracts.map((c) => c.env)),
      DATA_DIR: dir.path,
      ADMIN_TOKEN: ADMIN,
      PUBLIC_URL: 'https://bots.example.com',
      // Nothing listens on port 9: every API call fails, and its error is logged.
      WAMM_API_TOKEN: WAMM_TOKEN,
      WAMM_API_URL: 'http://127.0.0.1:9/api2',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
      OUTBOX_MAX_ATTEMPTS: '2',
      OUTBOX_RETRY_BASE_MS: '10',
      LOG_LEVEL: 'debug',
      BOTS: 'echo',
    };
    sb = await startServer(env);
  });
  afterAll(async () => {
    await sb?.stop();
    dir.remove();
  });

  const post = (provider: string, secret: string, body: unknown) =>
    fetch(`${sb.url}/webhooks/${provider}/${secret}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('answers a wrong-secret flood with 429 JSON while valid deliveries keep getting 200', async () => {
    const flood = Array.from({ length: 150 }, (_, i) => post('wamm', `guess-${i}`, wammMsg(1, 'x')));
    const valid = Array.from({ length: 20 }, (_, i) => post('wamm', wamm.secret, wammMsg(10_000 + i, `valid ${i}`)));
    const [bad, good] = await Promise.all([Promise.all(flood), Promise.all(valid)]);
    expect(good.map((r) => r.status)).toEqual(Array(20).fill(200));
    const limited = bad.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(100);
    expect(bad.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expect(limited[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(typeof ((await limited[0]!.json()) as any).error).toBe('string');
    // Per route: another provider's route from the same client is not limited yet.
    expect((await post('webinato', 'wrong', {})).status).toBe(401);
    // Unknown providers are one route of their own.
    const unknown = await Promise.all(Array.from({ length: 40 }, (_, i) => post(`nope${i}`, 'x', {})));
    expect(unknown.filter((r) => r.status === 429).length).toBeGreaterThan(10);
    expect(unknown.every((r) => r.status === 404 || r.status === 429)).toBe(true);
    // The admin API: guessing its token is limited too; the right token still works.
    const guesses = await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(`${sb.url}/api/health`, { headers: { authorization: `Bearer guess-${i}` } })));
    expect(guesses.filter((r) => r.status === 429).length).toBeGreaterThan(10);
    expect((await fetch(`${sb.url}/api/health`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    // Still fine for the real provider.
    expect((await post('wamm', wamm.secret, wammMsg(20_000, 'after the flood'))).status).toBe(200);
  });

  it('does not let a client dodge the limit with its own X-Forwarded-For (TRUST_PROXY is off by default)', async () => {
    const spoofed = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(`${sb.url}/webhooks/mqttchat/guess-${i}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i}` },
          body: '{}',
        }),
      ),
    );
    expect(spoofed.filter((r) => r.status === 429).length).toBeGreaterThan(10);
  });

  it('writes no secret into its logs, error paths included', async () => {
    // Failing sends (WAMM's URL carries its token) and Telegram's failing start-up calls (/bot<token>/).
    await eventually(async () => sb.logs.some((l) => /dead-lettered/.test(l)), 20_000);
    await eventually(async () => sb.logs.some((l) => /telegram/i.test(l) && /(fail|error)/i.test(l)), 20_000);
    await fetch(`${sb.url}/api/health`, { headers: { authorization: 'Bearer wrong' } });
    await post('wamm', wamm.secret, { tip: 'msg', msg_data: { msg_id: 'bad' } });
    const all = sb.logs.join('\n');
    const secrets = Object.entries(env)
      .filter(([k]) => /(SECRET|TOKEN|KEY|JWT|PASSWORD)$/.test(k))
      .map(([, v]) => v);
    expect(all).toMatch(/127\.0\.0\.1:9\/bot[^/\s"]+\/(getMe|setWebhook)/); // a URL with the token's place in it was logged
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    for (const s of secrets) expect(all, `a secret leaked into the logs`).not.toContain(s);
  });
});

import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVER, startServer, tempDir } from './helpers/process';

/** `npm start` as a user runs it: no .env at all. */
describe('npm start', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('boots with no configuration, serves /healthz, says what is enabled', async () => {
    const sb = await startServer({ DATA_DIR: dir.path });
    try {
      expect((await fetch(`${sb.url}/healthz`)).status).toBe(200);
      const log = sb.logs.map((l) => JSON.parse(l));
      const ready = log.find((l) => /listening/.test(l.message));
      expect(ready).toMatchObject({ bots: ['echo'], adminApi: expect.stringMatching(/disabled/) });
      expect(ready.store).toMatch(/sqlite/);
      expect(log.some((l) => /provider wamm disabled \(set WAMM_WEBHOOK_SECRET/.test(l.message))).toBe(true);
      // The admin API does not exist without ADMIN_TOKEN.
      expect((await fetch(`${sb.url}/api/health`)).status).toBe(404);
    } finally {
      expect(await sb.stop()).toBe(0);
    }
  });

  it('prints the masked webhook URL for an enabled provider', async () => {
    const sb = await startServer({ DATA_DIR: dir.path, WAMM_WEBHOOK_SECRET: 'very-secret-path', PUBLIC_URL: 'https://bots.example.com' });
    try {
      const all = sb.logs.join('\n');
      expect(all).toContain('https://bots.example.com/webhooks/wamm/<WAMM_WEBHOOK_SECRET>');
      expect(all).not.toContain('very-secret-path');
    } finally {
      await sb.stop();
    }
  });

  it.each([
    [{ WAMM_POLL_INTERVAL_MS: 'soon' }, /^Configuration error: WAMM_POLL_INTERVAL_MS: /],
    [{ BOTS: 'echo,no-such-bot' }, /BOTS: no bot named "no-such-bot"/],
  ])('refuses bad configuration with one line naming the variable (%o)', (env, line) => {
    const r = spawnSync(process.execPath, SERVER, {
      env: { PATH: process.env.PATH, DATA_DIR: dir.path, PORT: '0', ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    const lines = (r.stdout + r.stderr).trim().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith('{') ? JSON.parse(lines[0]!).message : lines[0]).toMatch(line);
  });
});

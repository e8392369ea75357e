import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, tempDir } from '../helpers/process';

/**
 * scripts/build.mjs, which `npm install` and `npm start` run: a copy of the package is built and
 * its dist/ started the way `npm start` does, with no TypeScript loader.
 */
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('npm run build and the server it builds', () => {
  const dir = tempDir('switchboard-build-');
  const pkg = join(dir.path, 'pkg');
  const data = tempDir();
  const build = (...args: string[]) => spawnSync(process.execPath, ['scripts/build.mjs', ...args], { cwd: pkg, encoding: 'utf8' });
  // Starts and exits at once: an unknown bot in a bots config, or the bot's own configuration error.
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['dist/src/main.js'], {
      cwd: pkg,
      env: { PATH: process.env.PATH, DATA_DIR: data.path, PORT: '0', ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
  const lines = (r: { stdout: string; stderr: string }) =>
    (r.stdout + r.stderr)
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => (l.startsWith('{') ? JSON.parse(l).message : l));

  beforeAll(() => {
    for (const p of ['package.json', 'scripts', 'src', 'bots']) cpSync(join(repo, p), join(pkg, p), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(pkg, 'node_modules'));
  });
  afterAll(() => {
    dir.remove();
    data.remove();
  });

  it('builds the server, the CLI and every bot, and leaves an up-to-date dist/ alone', () => {
    const first = build();
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/built dist\/ \(\d+ entries, 7 bots\)/);
    for (const f of ['src/main.js', 'src/app/processing-thread.js', 'src/cli/main.js', 'bots/echo.js', 'bots/assistant.js'])
      expect(statSync(join(pkg, 'dist', f)).isFile()).toBe(true);
    const before = statSync(join(pkg, 'dist', 'src', 'main.js')).mtimeMs;
    const again = build();
    expect(again.stdout).toBe('dist/ is up to date\n');
    expect(statSync(join(pkg, 'dist', 'src', 'main.js')).mtimeMs).toBe(before);
  });

  it("runs a user's new bot, which shares the server's modules (its ConfigError stops start-up with exit 78)", () => {
    writeFileSync(
      join(pkg, 'bots', 'picky.js'),
      `import { ConfigError, defineBot } from 'switchboard';
export default defineBot({ name: 'picky', setup() { throw new ConfigError('PICKY_MODE', 'must be set'); } });
`,
    );
    expect(build('--quiet').status).toBe(0);
    const r = start({ BOTS: 'picky' });
    expect(lines(r)).toEqual([expect.stringMatching(/^Configuration error: PICKY_MODE: must be set/)]);
    expect(r.status).toBe(78);
  });

  it('refuses a bot changed since the build, naming the command that fixes it', () => {
    const echo = join(pkg, 'bots', 'echo.ts');
    writeFileSync(echo, `${readFileSync(echo, 'utf8')}// edited after the build\n`);
    const r = start({ BOTS: 'echo' });
    expect(r.status).toBe(78);
    expect(lines(r)).toEqual([expect.stringMatching(/BOTS: bots\/echo changed since the last build: run `npm run build`/)]);
    expect(build('--quiet').status).toBe(0);
    const ok = spawnSync(process.execPath, ['dist/src/main.js'], {
      cwd: pkg,
      env: { PATH: process.env.PATH, DATA_DIR: data.path, PORT: '0', BOTS: 'nope' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(lines(ok)[0]).toMatch(/no bot named "nope" in bots\/ \(available: assistant, confirm, echo, faq, handoff, hours, picky, webinar-qa\)/);
  });

  it('builds once when two start together after a change, and takes over a lock its owner left', async () => {
    writeFileSync(join(pkg, 'bots', 'hours.ts'), `${readFileSync(join(pkg, 'bots', 'hours.ts'), 'utf8')}// deployed again\n`);
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['scripts/build.mjs'], { cwd: pkg, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('exit', (code) => resolve({ code, out }));
      });
    const both = await Promise.all([run(), run()]);
    expect(both.map((r) => r.code)).toEqual([0, 0]);
    expect(both.filter((r) => r.out.startsWith('built dist/'))).toHaveLength(1);
    expect(readdirSync(pkg).filter((f) => f.startsWith('dist'))).toEqual(['dist']);

    // A build killed while holding the lock: the next one sees its owner is gone.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    mkdirSync(join(pkg, 'dist.lock'));
    writeFileSync(join(pkg, 'dist.lock', 'pid'), dead.stdout);
    const forced = build('--force');
    expect(forced.status).toBe(0);
    expect(readdirSync(pkg).filter((f) => f.startsWith('dist'))).toEqual(['dist']);
  });

  it('needs esbuild only to build: an up-to-date dist/ passes without it, a build says what is missing', () => {
    const bare = join(dir.path, 'bare');
    for (const p of ['package.json', 'scripts', 'src', 'bots']) cpSync(join(pkg, p), join(bare, p), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(bare, 'node_modules'));
    const run = (...args: string[]) => spawnSync(process.execPath, ['scripts/build.mjs', ...args], { cwd: bare, encoding: 'utf8' });
    expect(run('--quiet').status).toBe(0);
    // Now without the packages (a deploy that copied the built tree, say).
    rmSync(join(bare, 'node_modules'));
    mkdirSync(join(bare, 'node_modules'));
    const upToDate = run();
    expect(upToDate.status, upToDate.stderr).toBe(0);
    expect(upToDate.stdout).toBe('dist/ is up to date\n');
    const forced = run('--force');
    expect(forced.status).toBe(1);
    expect(forced.stderr).toMatch(/esbuild/);
    expect(forced.stderr).toMatch(/Build failed; fix the above and run `npm run build` again/);
  });

  it('starts from dist/ alone: migrations read from the sources, /healthz answers, SIGTERM exits 0', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: pkg,
      env: { PATH: process.env.PATH, DATA_DIR: data.path, PORT: String(port), BOTS: 'echo' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const ok = await eventually(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
      expect(ok).toBe(true);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});

import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/process';

/** `npm run cli -- operators …` (the built CLI) against a SQLite DATA_DIR. */
describe('operators CLI', () => {
  const dir = tempDir('switchboard-operators-');
  afterAll(() => dir.remove());

  const cli = (args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [...CLI, 'operators', ...args], {
        env: { PATH: process.env.PATH, DATA_DIR: dir.path },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => resolve({ code, out, err }));
      child.stdin.end(stdin);
    });

  it('adds (password from stdin), lists, resets a password and removes', async () => {
    expect(await cli(['add', 'ana', '--role', 'admin'], 'correct horse battery\n')).toMatchObject({ code: 0, out: 'added admin "ana"; sign in at /console\n' });
    expect(await cli(['add', 'bo'], 'another long one\n')).toMatchObject({ code: 0 });
    expect(await cli(['add', 'ana'], 'correct horse battery\n')).toMatchObject({ code: 1, err: expect.stringContaining('exists already') });
    expect(await cli(['add', 'cy'], 'short\n')).toMatchObject({ code: 64, err: expect.stringContaining('at least 10 characters') });
    expect(await cli(['add', 'dee', '--role', 'boss'], 'long enough pw\n')).toMatchObject({
      code: 64,
      err: expect.stringContaining('--role: expected admin or operator'),
    });
    const list = await cli(['list']);
    expect(
      list.out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t').slice(0, 2)),
    ).toEqual([
      ['ana', 'admin'],
      ['bo', 'operator'],
    ]);
    expect(await cli(['reset-password', 'bo'], 'a new long password\n')).toMatchObject({ code: 0 });
    expect(await cli(['reset-password', 'zed'], 'a new long password\n')).toMatchObject({ code: 1 });
    expect(await cli(['remove', 'bo'])).toMatchObject({ code: 0, out: 'removed "bo"\n' });
    expect((await cli(['list'])).out).not.toContain('bo');
  });
});

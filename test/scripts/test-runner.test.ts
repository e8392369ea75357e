import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/process';

/**
 * scripts/test.mjs (`npm test`) with stand-in `npm` and `npx` commands on PATH: it runs the type
 * check, the lint and vitest, passes its arguments to vitest, prints each check's output, and fails
 * naming whichever of the three failed.
 */
const runner = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'test.mjs');

function withStandIns(exits: { typecheck: number; lint: number; vitest: number }) {
  const bin = tempDir('test-runner-');
  const npm = `#!/bin/sh\ncase "$3" in typecheck) echo "tsc said something"; exit ${exits.typecheck};; lint) echo "biome said something"; exit ${exits.lint};; esac\nexit 9\n`;
  const npx = `#!/bin/sh\necho "vitest got: $*"\nexit ${exits.vitest}\n`;
  writeFileSync(join(bin.path, 'npm'), npm);
  writeFileSync(join(bin.path, 'npx'), npx);
  chmodSync(join(bin.path, 'npm'), 0o755);
  chmodSync(join(bin.path, 'npx'), 0o755);
  const r = spawnSync(process.execPath, [runner, 'test/store'], { env: { PATH: `${bin.path}:${process.env.PATH}` }, encoding: 'utf8' });
  bin.remove();
  return r;
}

describe('npm test (scripts/test.mjs)', () => {
  it('passes when the type check, the lint and vitest pass, and hands its arguments to vitest', () => {
    const r = withStandIns({ typecheck: 0, lint: 0, vitest: 0 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('vitest got: vitest run test/store');
    expect(r.stdout).toMatch(/── npm run typecheck: passed after \d+ s\ntsc said something/);
    expect(r.stdout).toMatch(/npm test: all passed in \d+ s/);
  });

  it.each([
    ['typecheck', { typecheck: 2, lint: 0, vitest: 0 }],
    ['lint', { typecheck: 0, lint: 1, vitest: 0 }],
    ['vitest', { typecheck: 0, lint: 0, vitest: 1 }],
  ])('fails naming %s when it fails', (name, exits) => {
    const r = withStandIns(exits);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`npm test: ${name} failed in \\d+ s`));
  });
});

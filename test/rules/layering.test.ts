import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
const config = join(root, '.dependency-cruiser.cjs');

describe('the layering rules (.dependency-cruiser.cjs)', () => {
  it('hold for the code as it is', () => {
    const out = execFileSync(depcruise, ['src', 'bots', '--config', config], { cwd: root, encoding: 'utf8' });
    expect(out).toContain('no dependency violations found');
  });

  it('refuse a model file importing a provider folder, naming the file and the rule', () => {
    const r = spawnSync(depcruise, ['src', '--config', config], { cwd: join(root, 'test', 'fixtures', 'layering'), encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/error core-not-providers: src\/model\/wrong\.ts → src\/providers\/wamm\/index\.ts/);
    expect(r.stdout).toMatch(/error model-and-base-at-the-bottom: src\/model\/wrong\.ts/);
  });
});

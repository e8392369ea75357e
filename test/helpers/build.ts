import { spawnSync } from 'node:child_process';

/**
 * vitest globalSetup: bring dist/ up to date (scripts/build.mjs, a no-op when nothing changed), so
 * the tests that start the real process run what `npm start` runs.
 */
export default function setup(): void {
  const r = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
}

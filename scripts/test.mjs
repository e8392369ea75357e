#!/usr/bin/env node
/**
 * `npm test`: the type check (`npm run typecheck`), the linter and layering rules (`npm run lint`)
 * and the test files (`vitest run`), started together. Most test files spend their time waiting on
 * a server process, a socket or a timer, so the checks use cores the tests leave idle instead of
 * running first. The tests' output streams as it comes; each check's output is printed, whole,
 * when it ends. The exit code is non-zero when any of the three failed, and says which.
 * Arguments are passed to vitest (`npm test -- test/store`).
 */
import { spawn } from 'node:child_process';

const checks = [
  { name: 'typecheck', args: ['run', '--silent', 'typecheck'] },
  { name: 'lint', args: ['run', '--silent', 'lint'] },
];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const started = Date.now();

function run(cmd, args, capture) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', env: process.env });
    let out = '';
    if (capture) {
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
    }
    child.on('error', (err) => resolve({ code: 1, out: `${out}${err.message}\n` }));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

const results = await Promise.all([
  ...checks.map(async (c) => {
    const r = await run(npm, c.args, true);
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    process.stdout.write(
      `\n── npm run ${c.name}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} after ${secs} s\n${r.out.trim() ? `${r.out.trim()}\n` : ''}`,
    );
    return { name: c.name, code: r.code };
  }),
  run('npx', ['vitest', 'run', ...process.argv.slice(2)], false).then((r) => ({ name: 'vitest', code: r.code })),
]);

const failed = results.filter((r) => r.code !== 0);
process.stdout.write(
  `\nnpm test: ${failed.length === 0 ? 'all passed' : `${failed.map((f) => f.name).join(', ')} failed`} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
);
process.exit(failed.length === 0 ? 0 : 1);

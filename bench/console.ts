import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { CLI } from '../test/helpers/process';
import { runJsonChild, SERVER_SCRIPT, startTarget } from './procs';

/**
 * The operator console with a large store: what the browser downloads (gzip), and how long until
 * the conversations view is usable (first rows on screen, from navigation) with `conversations`
 * conversations and `messages` messages, in Debian's headless Chromium against the real server.
 * Also the console's JSON reads on that store: the first page, a later page by cursor, the
 * hand-off filter, a search, and one conversation's timeline.
 */
export async function runConsoleBench(out: (s: string) => void, opts: { messages: number; conversations: number; runDir: string; nodeArgs?: string[] }) {
  const assets = join(process.cwd(), 'dist', 'console', 'assets');
  const files = readdirSync(assets);
  const gz = (ext: string) => files.filter((f) => f.endsWith(ext)).reduce((n, f) => n + gzipSync(readFileSync(join(assets, f)), { level: 9 }).length, 0);
  const shipped = { jsGzipBytes: gz('.js'), cssGzipBytes: gz('.css') };
  out('');
  out(
    `Console: JavaScript shipped ${(shipped.jsGzipBytes / 1024).toFixed(1)} KiB gzip (CSS ${(shipped.cssGzipBytes / 1024).toFixed(1)} KiB gzip): one script and one stylesheet, both cached for a year under content-hashed names`,
  );

  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-console-'));
  try {
    out(`  filling ${opts.messages.toLocaleString('en')} messages in ${opts.conversations.toLocaleString('en')} conversations (bench/fill.ts)…`);
    const filled = await runJsonChild<{ seconds: number }>(
      'bench/fill.ts',
      'BENCH_FILL',
      { dataDir, messages: opts.messages, conversations: opts.conversations },
      {},
      (line) => out(`  ${line}`),
    );
    const env = { DATA_DIR: dataDir, WAMM_WEBHOOK_SECRET: 'bench-console-secret', ADMIN_TOKEN: 'bench-admin', LOG_LEVEL: 'warn' };
    const password = 'bench-console-password';
    const added = spawnSync(process.execPath, [...CLI, 'operators', 'add', 'bench', '--role', 'admin'], {
      env: { PATH: process.env.PATH, ...env },
      input: `${password}\n`,
    });
    if (added.status !== 0) throw new Error(`operators add failed: ${added.stderr}`);
    const target = await startTarget(SERVER_SCRIPT, env, join(opts.runDir, 'console.log'), opts.nodeArgs);
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
      const page = await context.newPage();
      await page.goto(`${target.url}/console`);
      await page.getByLabel('Name').fill('bench');
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('.conversation').first().waitFor({ timeout: 60_000 });

      // Usable: signed in already, from navigation until the first page of rows is on screen.
      const usable: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now();
        await page.goto(`${target.url}/console/conversations`);
        await page.locator('.conversation').first().waitFor({ timeout: 60_000 });
        usable.push(Date.now() - t0);
      }
      usable.sort((a, b) => a - b);

      const auth = { headers: { authorization: 'Bearer bench-admin' } };
      const time = async (path: string) => {
        const runs: number[] = [];
        let body: any;
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          body = await (await fetch(`${target.url}${path}`, auth)).json();
          runs.push(performance.now() - t0);
        }
        return { ms: runs.sort((a, b) => a - b)[2]!, body };
      };
      const first = await time('/api/console/conversations?limit=50');
      let cursor = first.body.nextCursor as string;
      for (let i = 0; i < 20; i++)
        cursor = ((await (await fetch(`${target.url}/api/console/conversations?limit=50&cursor=${cursor}`, auth)).json()) as any).nextCursor;
      const later = await time(`/api/console/conversations?limit=50&cursor=${cursor}`);
      const handoff = await time('/api/console/conversations?limit=50&status=handoff');
      const search = await time('/api/console/conversations?limit=50&q=no-such-text-anywhere');
      const timeline = await time(`/api/console/conversations/${first.body.conversations[0].id}`);
      const result = {
        ...shipped,
        conversations: opts.conversations,
        messages: opts.messages,
        fillSeconds: filled.seconds,
        usableMs: { median: usable[2], min: usable[0], max: usable[4] },
        apiMs: { firstPage: first.ms, pageAfter1000: later.ms, handoffFilter: handoff.ms, searchNoMatch: search.ms, timeline: timeline.ms },
      };
      out(
        `  conversations view usable (first rows on screen, from navigation) in ${result.usableMs.median} ms median of 5 ` +
          `(${result.usableMs.min}-${result.usableMs.max} ms) with ${opts.conversations.toLocaleString('en')} conversations / ${opts.messages.toLocaleString('en')} messages`,
      );
      out(
        `  API (median of 5): first page ${first.ms.toFixed(1)} ms, page after 1,000 rows ${later.ms.toFixed(1)} ms, hand-off filter ${handoff.ms.toFixed(1)} ms, ` +
          `timeline ${timeline.ms.toFixed(1)} ms; a search matching nothing reads every message: ${search.ms.toFixed(0)} ms`,
      );
      return result;
    } finally {
      await browser.close();
      await target.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

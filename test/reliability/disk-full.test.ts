import { spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/process';
import { WammKit, wammMsg } from './wamm-kit';
import { webhookStream } from './webhook-stream';

/**
 * SQLite's disk fills under a stream of WAMM webhooks: DATA_DIR is a 20 MB tmpfs, and a file
 * written beside the database takes every byte left. Nothing that was not stored may get a 2xx
 * (503 with Retry-After instead), /readyz says not ready while the store cannot write, the log
 * says so once per change (not once per request), and after the file is removed the same process
 * (no restart) stores again and answers every acknowledged message exactly once.
 */
const mountable = (() => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d"; s=$?; rmdir "$d"; exit $s']);
  return probe.status === 0;
})();
const FULL_MS = Number(process.env.FAULT_OUTAGE_MS ?? 8000);

/** Write zeros into `path` until the file system refuses (ENOSPC). */
function fillDisk(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return written;
}

describe.skipIf(!mountable)('disk full (SQLite on a 20 MB tmpfs, real process)', () => {
  let kit: WammKit | undefined;
  let mounted: string | undefined;
  afterEach(async () => {
    await kit?.sb?.stop('SIGKILL');
    if (mounted) spawnSync('umount', [mounted]);
    await kit?.stop();
  });

  it('fills during load: no 2xx unstored, not ready while full, one log line per change, then every acknowledged message answered once without a restart', async () => {
    kit = new WammKit();
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', kit.dir.path]);
    expect(r.status).toBe(0);
    mounted = kit.dir.path;
    await kit.start({ WAMM_TIMEZONE: undefined });
    const pid = kit.sb.child.pid;
    const stream = webhookStream(
      (i) => {
        const phone = `7931000${String(i % 10).padStart(4, '0')}`;
        const text = `d${i}`;
        const m = kit!.wamm.incoming(phone, text);
        return { key: `${phone} ${text}`, body: wammMsg(m.msg_id, text, { phone }) };
      },
      (body) => kit!.post(body),
    );
    stream.start(50);
    await eventually(async () => stream.acked >= 20, 20_000);

    const filler = join(kit.dir.path, 'filler');
    fillDisk(filler);
    const seen = { notReady: false, healthzSaysNotReady: false };
    const until = Date.now() + FULL_MS;
    while (Date.now() < until) {
      const ready = await fetch(`${kit.sb.url}/readyz`);
      if (ready.status === 503) seen.notReady = true;
      const health = (await (await fetch(`${kit.sb.url}/healthz`)).json()) as { ready?: boolean };
      if (health.ready === false) seen.healthzSaysNotReady = true;
      // SQLite may find a free page or two as it checkpoints; keep the disk full throughout.
      fillDisk(`${filler}-${Date.now()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const refusedWhileFull = stream.refused;
    spawnSync('sh', ['-c', `rm -f ${JSON.stringify(filler)}*`]);
    rmSync(filler, { force: true });
    const mark = stream.acked;
    await eventually(async () => stream.acked >= mark + 20, 30_000);
    await stream.stop();
    await eventually(async () => (await fetch(`${kit!.sb.url}/readyz`)).status === 200, 10_000);

    expect(kit.sb.child.pid).toBe(pid);
    expect(kit.sb.child.exitCode).toBeNull();
    expect(refusedWhileFull).toBeGreaterThan(0);
    expect(seen).toEqual({ notReady: true, healthzSaysNotReady: true });
    expect(stream.retryAfterMissing).toBe(0);
    expect(stream.failedConnections).toBe(0);
    expect(stream.otherStatuses).toEqual([]);
    await eventually(async () => kit!.wamm.sent.length >= stream.acked, 30_000);
    await eventually(async () => (await kit!.health()).outboxPending === 0, 20_000);
    const counts = new Map<string, number>();
    for (const s of kit.wamm.sent) counts.set(`${s.phone} ${s.text}`, (counts.get(`${s.phone} ${s.text}`) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(stream.ackedKeys().map((k) => [k, 1])));

    const stateLines = kit.sb.logs.filter((l) => /store (cannot write|takes writes again)/.test(l));
    const errorLines = kit.sb.logs.filter((l) => /"level":"error"/.test(l));
    if (process.env.FAULT_REPORT)
      process.stdout.write(
        `disk full ${FULL_MS} ms: ${stream.acked} acked, ${stream.refused} answered 503, slowest answer ${stream.slowest} ms, answer p99 ${stream.answerP99()} ms; ${stateLines.length} state lines, ${errorLines.length} error lines\n${stateLines.join('\n')}\n`,
      );
    // Each thread's store says when it stops and when it starts taking writes; far fewer lines than refusals.
    expect(stateLines.length).toBeGreaterThanOrEqual(2);
    expect(stateLines.length).toBeLessThan(Math.max(8, refusedWhileFull / 10));
  }, 120_000);
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WalFlush } from '../../../src/store/sqlite';
import { tempDir } from '../../helpers/process';

describe('WalFlush (the processing thread deferred fsync)', () => {
  const dirs: { remove(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('a burst of flush requests costs the running fdatasync plus one shared next one, and each resolves after a sync that began after it', async () => {
    const dir = tempDir('switchboard-wal-');
    dirs.push(dir);
    const file = join(dir.path, 'x.db-wal');
    writeFileSync(file, 'frames');
    const wal = new WalFlush(file);
    const order: string[] = [];
    const first = wal.flush().then(() => order.push('first'));
    const burst = Array.from({ length: 10 }, (_, i) => wal.flush().then(() => order.push(`burst${i}`)));
    expect(wal.syncs).toBe(1); // the burst waits for the running one, then shares one more
    await Promise.all([first, ...burst]);
    expect(wal.syncs).toBe(2);
    expect(order[0]).toBe('first');
    await wal.flush();
    expect(wal.syncs).toBe(3); // nothing running: a request of its own
    wal.close();
  });

  it('a failed flush rejects its callers only; the next request syncs again', async () => {
    const dir = tempDir('switchboard-wal-');
    dirs.push(dir);
    const wal = new WalFlush(join(dir.path, 'missing-wal'));
    await expect(wal.flush()).rejects.toThrow(/ENOENT/);
    writeFileSync(join(dir.path, 'missing-wal'), 'frames');
    await expect(wal.flush()).resolves.toBeUndefined();
    wal.close();
  });
});

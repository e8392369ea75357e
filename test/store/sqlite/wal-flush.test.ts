import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WalFlush } from '../../../src/store/sqlite';
import { tempDir } from '../../helpers/process';

describe('WalFlush (the processing thread deferred fsync)', () => {
  const dirs: { remove(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('rejects (never throws) when the WAL cannot be opened, and flushes once it exists', async () => {
    const dir = tempDir('switchboard-wal-');
    dirs.push(dir);
    const wal = new WalFlush(join(dir.path, 'x.db-wal'));
    await expect(wal.flush()).rejects.toThrow(/ENOENT/);
    writeFileSync(join(dir.path, 'x.db-wal'), 'frames');
    await expect(wal.flush()).resolves.toBeUndefined();
    await expect(wal.flush()).resolves.toBeUndefined(); // the descriptor is kept
    wal.close();
  });
});

import { Writable } from 'node:stream';
import type { Bot } from '../../src/bots/define';
import { loadConfig } from '../../src/config/env';
import { createLogger } from '../../src/base/log';
import { createSwitchboard, type Switchboard } from '../../src/app/switchboard';
import { tempDir } from '../helpers/process';

/**
 * A Switchboard in this process (for tests whose bots await promises the test controls, and for
 * fuzzing at thousands of requests per second). Same pipeline and HTTP stack as `npm start`.
 */
export interface InProcess {
  sb: Switchboard;
  url: string;
  logs: string[];
  stop(): Promise<void>;
}

export async function startInProcess(env: Record<string, string>, bots?: Bot[]): Promise<InProcess> {
  const dir = tempDir('switchboard-inproc-');
  const logs: string[] = [];
  const config = loadConfig({ DATA_DIR: dir.path, LOG_LEVEL: 'info', ...env });
  const log = createLogger({ level: config.LOG_LEVEL, secrets: [], stream: new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }) });
  const sb = await createSwitchboard(config, { log, ...(bots ? { bots } : {}) });
  const { port } = await sb.listen(0);
  return {
    sb,
    url: `http://127.0.0.1:${port}`,
    logs,
    async stop() {
      await sb.stop();
      dir.remove();
    },
  };
}

/** A promise the test opens when it wants (a 30 s model call that ends when told to). */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

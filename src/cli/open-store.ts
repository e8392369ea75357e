import { type Config, loadConfig } from '../config/env';
import { openStore } from '../store';
import { describeStore } from '../store/describe';
import type { Store } from '../store/types';

/**
 * Open the store the server uses (its environment and .env), say which on stderr (so what a
 * command prints on stdout stays the same for scripts), run `fn`, close it.
 */
export async function withStore<T>(fn: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  process.stderr.write(`store: ${describeStore(config)}\n`);
  const store = await openStore(config);
  try {
    await store.migrate();
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

import type { Store } from '../store/types';
import type { BotStorage } from './define';

type StorageStore = Pick<Store, 'botStorageGet' | 'botStoragePut' | 'botStorageAdd'>;

/** One bot's view of bot_storage. */
export function botStorage(store: StorageStore, bot: string): BotStorage {
  return {
    get: (keys) => store.botStorageGet(bot, keys),
    put: (entries) => store.botStoragePut(bot, entries),
    add: (key, n) => store.botStorageAdd(bot, key, n),
    warn: (name, message) => store.botStoragePut(bot, [[`warning:${name}`, message]]),
  };
}

import { createRequire } from 'node:module';
import type * as Telegraf from 'telegraf';

/**
 * telegraf, loaded the first time a Telegram bot is configured rather than by every server start:
 * its module graph (node-fetch, sandwich-stream, its types' runtime) cost about 30 ms of CPU on
 * each of the server's two threads whether Telegram was enabled or not. createRequire keeps the
 * load synchronous, so the clients that need it are still made synchronously.
 */
let loaded: typeof Telegraf | undefined;

export function telegraf(): typeof Telegraf {
  loaded ??= createRequire(import.meta.url)('telegraf') as typeof Telegraf;
  return loaded;
}

/** Whether err is telegraf's TelegramError; no error can be one before telegraf was loaded. */
export function isTelegramError(err: unknown): err is Telegraf.TelegramError {
  return loaded !== undefined && err instanceof loaded.TelegramError;
}

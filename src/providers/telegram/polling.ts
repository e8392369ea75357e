import type { Telegram } from 'telegraf';
import { isTelegramError } from './telegraf';
import type { Delivery, ProviderRuntime } from '../types';
import { deliveryKey } from './normalize';
import { allowedUpdates } from './schema';

/**
 * Long polling for when no webhook is configured (TELEGRAM_WEBHOOK_SECRET unset).
 *
 * Not telegraf's launch(): it handles each batch with Promise.all (updates of one batch run
 * concurrently, out of order) and confirms a batch by asking for the next one whether or not the
 * handlers stored anything. Here each batch is stored through the same ingest path as webhooks
 * (dedupe on update_id included) and only then is the offset advanced and saved, so a crash
 * between the two re-fetches the batch and the duplicates are dropped: nothing lost, nothing
 * answered twice. Order is kept: one batch is one ingest, in update_id order.
 */

const OFFSET = 'offset';
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export interface PollingOptions {
  /** getUpdates long-poll timeout in seconds (Telegram holds the request open that long). */
  timeoutSeconds?: number;
  maxBackoffMs?: number;
}

export async function runPolling(telegram: Telegram, rt: ProviderRuntime, opts: PollingOptions = {}): Promise<void> {
  const { signal, log } = rt;
  const timeout = opts.timeoutSeconds ?? 50;
  const maxBackoff = opts.maxBackoffMs ?? 60_000;
  let failures = 0;
  let webhookDeleted = false;
  let offset = 0;
  let leading = false;

  const backoff = async (err: unknown) => {
    failures++;
    const retryAfter = isTelegramError(err) ? err.parameters?.retry_after : undefined;
    const wait = retryAfter !== undefined ? retryAfter * 1000 : Math.min(maxBackoff, 1000 * 2 ** Math.min(failures - 1, 10));
    await sleep(wait, signal);
  };

  while (!signal.aborted) {
    if (!rt.isLeader()) {
      leading = false;
      await sleep(2000, signal); // another instance polls; getUpdates from two would 409 each other
      continue;
    }
    if (rt.storePaused?.()) {
      await sleep(1000, signal); // updates fetched now could not be stored; Telegram keeps them
      continue;
    }
    // The call in progress, so a failure's log line names it (a refused deleteWebhook is not a failed getUpdates).
    let step = 'reading the stored offset';
    try {
      if (!leading) {
        // (Again) the poller: another instance may have moved the shared offset on meanwhile.
        offset = Number((await rt.getCursor(OFFSET)) ?? 0) || 0;
        leading = true;
      }
      if (!webhookDeleted) {
        // getUpdates does not work while a webhook is set; keep pending updates (they are ours to fetch).
        step = 'deleteWebhook';
        await telegram.callApi('deleteWebhook', { drop_pending_updates: false }, { signal: signal as never });
        webhookDeleted = true;
        log.info('Telegram long polling started (no TELEGRAM_WEBHOOK_SECRET set)', { offset });
      }
      step = 'getUpdates';
      const updates = (await telegram.callApi(
        'getUpdates',
        { offset, limit: 100, timeout, allowed_updates: allowedUpdates() },
        { signal: signal as never },
      )) as unknown as { update_id: number }[];
      await rt.recordPoll();
      failures = 0;
      const valid = updates.filter((u) => Number.isInteger(u?.update_id)).sort((a, b) => a.update_id - b.update_id);
      if (valid.length === 0) continue;
      const deliveries: Delivery[] = valid.map((u) => ({ key: deliveryKey(u), payload: u }));
      step = 'storing the polled updates';
      const { stored, duplicates } = await rt.ingest(deliveries);
      // Stored: now (and only now) confirm the batch to Telegram and remember where we are.
      offset = valid[valid.length - 1]!.update_id + 1;
      await rt.setCursor(OFFSET, String(offset));
      log.debug('telegram updates polled', { stored, duplicates, offset });
    } catch (err) {
      if (signal.aborted) break;
      if (isTelegramError(err) && err.code === 409 && /terminated by other getUpdates/i.test(err.description)) {
        // Two pollers on one token (e.g. during a leader hand-over, or a second deployment): ours lost this round.
        log.warn('Telegram ended our getUpdates because another process polls with the same token; retrying. Run one poller per bot token.');
      } else if (isTelegramError(err) && err.code === 409) {
        log.error(
          'Telegram answered 409 Conflict to getUpdates: a webhook is set for this bot, or another process is polling with the same token. ' +
            'Use one mode: set TELEGRAM_WEBHOOK_SECRET and PUBLIC_URL for webhook mode, or stop the other poller. Deleting the webhook and retrying.',
          { description: err.description },
        );
        webhookDeleted = false;
      } else if (isTelegramError(err) && err.code === 401) {
        log.error(`Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized to ${step}); check the token from @BotFather. Retrying with backoff.`);
      } else {
        const what = step === 'deleteWebhook' || step === 'getUpdates' ? `Telegram ${step}` : `Telegram polling (${step})`;
        log.warn(`${what} failed; retrying with backoff`, { call: step, error: (err as Error).message, failures: failures + 1 });
      }
      await backoff(err);
    }
  }
}

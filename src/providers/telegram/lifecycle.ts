import type { Telegram } from 'telegraf';
import { isTelegramError } from './telegraf';
import type { ProviderRuntime } from '../types';
import { allowedUpdates } from './schema';

/**
 * Start-up chores against the Bot API, run in the background so an unreachable Telegram never
 * delays the HTTP server: getMe (checks the token, names the bot in the log) and, in webhook mode
 * with PUBLIC_URL, setWebhook on our generic route with the secret header.
 */

export const webhookPath = (secret: string) => `/webhooks/telegram/${secret}`;

async function withRetry(rt: ProviderRuntime, what: string, fn: () => Promise<void>): Promise<void> {
  for (let attempt = 1; !rt.signal.aborted; attempt++) {
    try {
      await fn();
      return;
    } catch (err) {
      if (rt.signal.aborted) return;
      const code = (err as { code?: unknown }).code;
      if (isTelegramError(err) && code !== 429 && err.code >= 400 && err.code < 500) {
        // Telegram refused the request itself (bad token, non-HTTPS URL, …): retrying cannot help.
        rt.log.error(`Telegram ${what} refused: ${err.description}. Fix the configuration (TELEGRAM_BOT_TOKEN, PUBLIC_URL must be https) and restart.`, {
          code,
        });
        return;
      }
      const wait = Math.min(60_000, 1000 * 2 ** Math.min(attempt - 1, 6));
      rt.log.warn(`Telegram ${what} failed; retrying in ${Math.round(wait / 1000)} s`, { error: (err as Error).message, code });
      await new Promise<void>((r) => {
        const t = setTimeout(r, wait);
        rt.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
    }
  }
}

export async function describeBot(telegram: Telegram, rt: ProviderRuntime): Promise<void> {
  await withRetry(rt, 'getMe', async () => {
    const me = (await telegram.callApi('getMe', {}, { signal: rt.signal as never })) as { id: number; username?: string };
    rt.log.info(`Telegram bot @${me.username ?? '?'} (id ${me.id}) ready`);
  });
}

export async function registerWebhook(telegram: Telegram, rt: ProviderRuntime, publicUrl: string, secret: string): Promise<void> {
  const url = `${publicUrl}${webhookPath(secret)}`;
  await withRetry(rt, 'setWebhook', async () => {
    await telegram.callApi(
      'setWebhook',
      { url, secret_token: secret, allowed_updates: allowedUpdates(), drop_pending_updates: false },
      { signal: rt.signal as never },
    );
    // The URL holds the secret: log it masked (the logger redacts /webhooks/<provider>/<secret> too).
    rt.log.info(`Telegram webhook registered: ${publicUrl}${webhookPath('<TELEGRAM_WEBHOOK_SECRET>')}`);
  });
}

/**
 * getWebhookInfo once at start in webhook mode: a webhook that is missing, points elsewhere, or is
 * failing (Telegram keeps last_error_message) is a silent outage, so say so in the log.
 */
export async function checkWebhook(telegram: Telegram, rt: ProviderRuntime, secret: string): Promise<void> {
  try {
    const info = (await telegram.callApi('getWebhookInfo', {}, { signal: rt.signal as never })) as {
      url: string;
      pending_update_count: number;
      last_error_date?: number;
      last_error_message?: string;
    };
    if (!info.url) {
      rt.log.warn('Telegram has no webhook registered for this bot, so no updates arrive: set PUBLIC_URL, or call setWebhook yourself');
    } else if (!info.url.endsWith(webhookPath(secret))) {
      rt.log.warn(
        "Telegram delivers this bot's updates to another URL than /webhooks/telegram/<TELEGRAM_WEBHOOK_SECRET>: set PUBLIC_URL, or call setWebhook yourself",
      );
    } else if (info.last_error_message) {
      rt.log.warn(`Telegram reports webhook delivery errors: ${info.last_error_message}`, {
        lastErrorAt: info.last_error_date ? new Date(info.last_error_date * 1000).toISOString() : undefined,
        pendingUpdates: info.pending_update_count,
      });
    }
  } catch (err) {
    if (!rt.signal.aborted) rt.log.warn('Telegram getWebhookInfo failed', { error: (err as Error).message });
  }
}

import { secretEquals } from '../../base/secret';
import { decodeJson, header, identity, parseLenient } from '../decode';
import type { ProviderAdapter } from '../types';
import { createTelegram, TelegramClient, TELEGRAM_MAX_TEXT } from './client';
import { checkWebhook, describeBot, registerWebhook } from './lifecycle';
import { deliveryKey, normalize, PROVIDER } from './normalize';
import { runPolling } from './polling';
import { TelegramUpdate, TelegramUpdateId } from './schema';

/**
 * Telegram via telegraf 4.16.3 (PROVIDERS.md §6).
 *
 * Webhook mode (TELEGRAM_WEBHOOK_SECRET set): updates arrive on the generic route
 * POST /webhooks/telegram/<secret>, not through telegraf's webhookCallback. webhookCallback answers
 * Telegram only when the whole middleware chain (the bot) has finished, falls through to the next
 * Express route on a wrong secret instead of answering 401, and does not validate the body; here the
 * 200 goes out as soon as the update is durably stored (adapter.parse → deliveries → group commit)
 * and the bots run afterwards from the store, like every other provider. telegraf is used for what
 * it is good at: the Bot API client (sendMessage, setWebhook, getUpdates, getMe).
 *
 * Polling mode (no webhook secret): a getUpdates loop that stores each batch before confirming it
 * (polling.ts).
 */

/** Background work per server instance (several may share a process in tests), ended by its runtime's signal. */
const tasks = new Set<{ signal: AbortSignal; done: Promise<void> }>();
const track = (signal: AbortSignal, done: Promise<void>) => {
  const t = { signal, done };
  tasks.add(t);
  void done.finally(() => tasks.delete(t));
};

export const telegram: ProviderAdapter = {
  name: PROVIDER,
  title: 'Telegram',
  enableVariable: 'TELEGRAM_BOT_TOKEN',
  webhookSecretVariable: 'TELEGRAM_WEBHOOK_SECRET',
  capabilities: { receive: true, reply: true, poll: true, buttons: true, typing: true },
  maxTextLength: TELEGRAM_MAX_TEXT,
  // Telegram's published limits: about one message per second in a chat, 30 per second overall
  // (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this); 429s say the rest.
  pacing: (c) => ({ perConversationMs: 1000, globalPerSecond: c.TELEGRAM_MAX_SENDS_PER_SECOND }),
  webhookSecret: (c) => c.TELEGRAM_WEBHOOK_SECRET,
  verify(req, config) {
    // Telegram sends the secret_token given to setWebhook in this header. The path already carries
    // the same secret, so a webhook registered by hand without secret_token (no header) is accepted
    // (CONTRACT.md: "when sent"); a header that is present and wrong is refused, never passed on.
    const given = header(req, 'x-telegram-bot-api-secret-token');
    if (given === undefined) return { ok: true };
    return secretEquals(given, config.TELEGRAM_WEBHOOK_SECRET ?? '') ? { ok: true } : { ok: false, error: 'wrong X-Telegram-Bot-Api-Secret-Token' };
  },
  // The raw Update is stored (not the schema's output) so fields we do not read yet are kept.
  // An update our schema cannot read is still stored when it has its update_id (quarantined by normalize).
  parse(req) {
    const json = decodeJson(req.rawBody);
    if (!json.ok) return json;
    return parseLenient(
      json.value,
      TelegramUpdate,
      (u) => [{ key: deliveryKey(u), payload: json.value }],
      (raw) => identity(TelegramUpdateId, raw, (u) => [{ key: deliveryKey(u), payload: raw }]),
    );
  },
  normalize,
  createClient: (c, log) => (c.TELEGRAM_BOT_TOKEN ? new TelegramClient(createTelegram(c.TELEGRAM_BOT_TOKEN, c.TELEGRAM_API_ROOT), log) : undefined),
  apiUrlVariable: 'TELEGRAM_API_ROOT',
  polls: (c) => !!c.TELEGRAM_BOT_TOKEN && !c.TELEGRAM_WEBHOOK_SECRET,
  start(rt) {
    const c = rt.config;
    if (!c.TELEGRAM_BOT_TOKEN) return;
    const api = createTelegram(c.TELEGRAM_BOT_TOKEN, c.TELEGRAM_API_ROOT);
    track(rt.signal, describeBot(api, rt));
    if (!c.TELEGRAM_WEBHOOK_SECRET) {
      track(
        rt.signal,
        runPolling(api, rt).catch((err) => {
          rt.log.error('Telegram long polling stopped', { err });
        }),
      );
    } else if (c.PUBLIC_URL && rt.isLeader()) {
      // One registration per deployment: instances sharing a database leave it to the leader.
      const secret = c.TELEGRAM_WEBHOOK_SECRET;
      track(
        rt.signal,
        registerWebhook(api, rt, c.PUBLIC_URL, secret).then(() => checkWebhook(api, rt, secret)),
      );
    } else if (c.PUBLIC_URL) {
      rt.log.info('Telegram webhook registration left to the leader instance');
    } else {
      rt.log.info(
        'Telegram webhook mode without PUBLIC_URL: register the webhook yourself (setWebhook url=<public base>/webhooks/telegram/<TELEGRAM_WEBHOOK_SECRET>, secret_token=<TELEGRAM_WEBHOOK_SECRET>), or set PUBLIC_URL',
      );
      track(rt.signal, checkWebhook(api, rt, c.TELEGRAM_WEBHOOK_SECRET));
    }
  },
  async stop() {
    // The stopping server's signal is already aborted: its polling and retries end at their next await.
    await Promise.all([...tasks].filter((t) => t.signal.aborted).map((t) => t.done));
  },
};

import { identity, parseJsonLenient } from '../decode';
import type { ProviderAdapter } from '../types';
import { WammClient, WAMM_MAX_TEXT } from './client';
import { deliveryKey, normalize, PROVIDER } from './normalize';
import { startPoller } from './poller';
import { WammIdentity, WammWebhook } from './schema';

/** WAMM.chat (WhatsApp / Telegram / MAX gateway): JSON webhooks, replies by msg_to, polling by msg_get_last. */
export const wamm: ProviderAdapter = {
  name: PROVIDER,
  title: 'WAMM.chat',
  enableVariable: 'WAMM_WEBHOOK_SECRET',
  capabilities: { receive: true, reply: true, poll: true },
  maxTextLength: WAMM_MAX_TEXT,
  // WAMM queues an account's sends "with an interval of several seconds" (PROVIDERS.md §2): keep to it.
  pacing: (c) => ({ perAccountMs: c.WAMM_SEND_INTERVAL_MS, account: (conv) => String(conv.address.account ?? '') }),
  webhookSecret: (c) => c.WAMM_WEBHOOK_SECRET,
  // WAMM documents no signature: the secret path is the only check (PROVIDERS.md §2).
  parse: (req) =>
    parseJsonLenient(
      req,
      WammWebhook,
      (body) => [{ key: deliveryKey(body), payload: body }],
      (raw) => identity(WammIdentity, raw, (id) => [{ key: deliveryKey(id), payload: raw }]),
    ),
  normalize,
  createClient: (c, log) => (c.WAMM_API_TOKEN ? new WammClient(c.WAMM_API_URL, c.WAMM_API_TOKEN, log, 10_000, c.WAMM_TIMEZONE) : undefined),
  apiUrlVariable: 'WAMM_API_URL',
  polls: (c) => !!c.WAMM_API_TOKEN,
  start(rt) {
    const c = rt.config;
    if (!c.WAMM_API_TOKEN) {
      rt.log.info('WAMM catch-up polling is off until WAMM_API_TOKEN is set');
      return;
    }
    startPoller(new WammClient(c.WAMM_API_URL, c.WAMM_API_TOKEN, rt.log, 10_000, c.WAMM_TIMEZONE), rt, c.WAMM_POLL_INTERVAL_MS);
  },
};

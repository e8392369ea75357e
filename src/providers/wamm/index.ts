import { parseJsonBody } from '../decode';
import type { ProviderAdapter } from '../types';
import { WammClient, WAMM_MAX_TEXT } from './client';
import { deliveryKey, normalize, PROVIDER } from './normalize';
import { WammWebhook } from './schema';

/** WAMM.chat (WhatsApp / Telegram / MAX gateway): JSON webhooks, replies by msg_to, polling by msg_get_last. */
export const wamm: ProviderAdapter = {
  name: PROVIDER,
  title: 'WAMM.chat',
  enableVariable: 'WAMM_WEBHOOK_SECRET',
  capabilities: { receive: true, reply: true, poll: true },
  maxTextLength: WAMM_MAX_TEXT,
  enabled: (c) => !!c.WAMM_WEBHOOK_SECRET,
  webhookSecret: (c) => c.WAMM_WEBHOOK_SECRET,
  // WAMM documents no signature: the secret path is the only check (PROVIDERS.md §2).
  parse: (req) => parseJsonBody(req, WammWebhook, (body) => ({ ok: true, deliveries: [{ key: deliveryKey(body), payload: body }] })),
  normalize,
  createClient: (c, log) => (c.WAMM_API_TOKEN ? new WammClient(c.WAMM_API_URL, c.WAMM_API_TOKEN, log) : undefined),
};

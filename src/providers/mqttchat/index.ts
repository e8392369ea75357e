import { decodeJson, identity } from '../decode';
import type { ProviderAdapter } from '../types';
import { MqttChatClient } from './client';
import { deliveryKey, normalize, PROVIDER } from './normalize';
import { startPoller } from './poller';
import { MqttChatMessageId, readCallback } from './schema';

/**
 * MQTT CHAT by Telifoun (PROVIDERS.md §3): presence and message callbacks on one URL; receive-only
 * (no send API); catch-up through the REST API when MQTTCHAT_APP_ID / MQTTCHAT_APP_SECRET are set.
 * MQTT CHAT disables a callback URL that answers 401/403, so only a wrong path secret gets 401
 * (src/receive/webhooks.ts); nothing in here answers 401 or 403.
 */
export const mqttchat: ProviderAdapter = {
  name: PROVIDER,
  title: 'MQTT CHAT',
  enableVariable: 'MQTTCHAT_WEBHOOK_SECRET',
  capabilities: { receive: true, reply: false, poll: true },
  webhookSecret: (c) => c.MQTTCHAT_WEBHOOK_SECRET,
  parse: (req) => {
    const json = decodeJson(req.rawBody);
    if (!json.ok) return json;
    const c = readCallback(json.value);
    // The body is stored as sent: the poller stores the same shape under the same key. A message
    // callback our schema cannot read is stored too when it has its message id (quarantined by normalize).
    if (c.ok) return { ok: true, deliveries: [{ key: deliveryKey(c.value), payload: json.value }] };
    const id = identity(MqttChatMessageId, json.value, (m) => [{ key: `message:${m.message.id}`, payload: json.value }]);
    return id.ok ? { ok: true, deliveries: id.value } : c;
  },
  normalize,
  apiUrlVariable: 'MQTTCHAT_API_URL',
  polls: (c) => !!c.MQTTCHAT_APP_ID && !!c.MQTTCHAT_APP_SECRET && c.MQTTCHAT_POLL_INTERVAL_MS > 0,
  start(runtime) {
    const { MQTTCHAT_APP_ID: id, MQTTCHAT_APP_SECRET: secret, MQTTCHAT_API_URL: url, MQTTCHAT_POLL_INTERVAL_MS: interval } = runtime.config;
    if (!id || !secret) {
      runtime.log.info('MQTT CHAT catch-up off: set MQTTCHAT_APP_ID and MQTTCHAT_APP_SECRET to fetch messages the callbacks missed');
      return;
    }
    if (interval === 0) {
      runtime.log.info('MQTT CHAT catch-up off (MQTTCHAT_POLL_INTERVAL_MS=0)');
      return;
    }
    startPoller(new MqttChatClient(url, id, secret), runtime, interval);
  },
};

import { optionalString, optionalUrl, intervalOrOff } from '../../config/fields';

/** MQTT CHAT's environment variables (.env.example), merged into the one schema by src/config/env.ts. */
export const mqttchatEnv = {
  MQTTCHAT_WEBHOOK_SECRET: optionalString,
  MQTTCHAT_APP_ID: optionalString,
  MQTTCHAT_APP_SECRET: optionalString,
  MQTTCHAT_API_URL: optionalUrl('MQTTCHAT_API_URL').transform((v) => v ?? 'https://cluster1.telifoun.com/api/v1.0'),
  MQTTCHAT_POLL_INTERVAL_MS: intervalOrOff(300_000),
};

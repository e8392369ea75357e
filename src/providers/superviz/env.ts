import { optionalString, optionalUrl, intervalOrOff } from '../../config/fields';

/** SuperViz Real-time's environment variables (.env.example), merged into the one schema by src/config/env.ts. */
export const supervizEnv = {
  SUPERVIZ_WEBHOOK_SECRET: optionalString,
  SUPERVIZ_CLIENT_ID: optionalString,
  SUPERVIZ_SECRET: optionalString,
  SUPERVIZ_API_URL: optionalUrl('SUPERVIZ_API_URL').transform((v) => v ?? 'https://api.superviz.com'),
  SUPERVIZ_WEBHOOK_HEADER: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9-]+$/.test(v), 'expected an HTTP header name such as Authorization'),
  SUPERVIZ_MESSAGE_EVENT: optionalString.transform((v) => v ?? 'message'),
  SUPERVIZ_POLL_INTERVAL_MS: intervalOrOff(300_000),
};

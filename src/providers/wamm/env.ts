import { optionalString, optionalUrl, positiveInt, timezone } from '../../config/fields';

/** WAMM.chat's environment variables (.env.example), merged into the one schema by src/config/env.ts. */
export const wammEnv = {
  WAMM_WEBHOOK_SECRET: optionalString,
  WAMM_API_TOKEN: optionalString,
  WAMM_API_URL: optionalUrl('WAMM_API_URL').transform((v) => v ?? 'https://wamm.chat/api2'),
  WAMM_POLL_INTERVAL_MS: positiveInt(60_000, 'milliseconds'),
  WAMM_SEND_INTERVAL_MS: positiveInt(3000, 'milliseconds'),
  WAMM_TIMEZONE: timezone,
};

import { optionalString } from '../../config/fields';

/** Webinato's environment variables (.env.example), merged into the one schema by src/config/env.ts. */
export const webinatoEnv = {
  WEBINATO_WEBHOOK_SECRET: optionalString,
};

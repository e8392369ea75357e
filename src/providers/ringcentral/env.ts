import { optionalString, optionalUrl } from '../../config/fields';

/** RingCentral Webinar's environment variables (.env.example), merged into the one schema by src/config/env.ts. */
export const ringcentralEnv = {
  RINGCENTRAL_WEBHOOK_SECRET: optionalString,
  RINGCENTRAL_VERIFICATION_TOKEN: optionalString,
  RINGCENTRAL_SERVER_URL: optionalUrl('RINGCENTRAL_SERVER_URL').transform((v) => v ?? 'https://platform.ringcentral.com'),
  RINGCENTRAL_CLIENT_ID: optionalString,
  RINGCENTRAL_CLIENT_SECRET: optionalString,
  RINGCENTRAL_JWT: optionalString,
};

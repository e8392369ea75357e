import { optionalString, optionalUrl, positiveInt } from '../../config/fields';

/** Telegram's environment variables (.env.example), merged into the one schema by src/config/env.ts. */
export const telegramEnv = {
  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_WEBHOOK_SECRET: optionalString.refine(
    (v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v),
    'expected 1-256 characters from A-Z a-z 0-9 _ - (Telegram secret_token rules)',
  ),
  TELEGRAM_API_ROOT: optionalUrl('TELEGRAM_API_ROOT').transform((v) => v ?? 'https://api.telegram.org'),
  TELEGRAM_MAX_SENDS_PER_SECOND: positiveInt(30, 'Bot API sends per second across all chats'),
  TELEGRAM_OPERATOR_CHAT_ID: optionalString.refine((v) => v === undefined || /^-?\d+$/.test(v), 'expected a numeric Telegram chat id'),
};

import { z } from 'zod';

/**
 * The whole environment in one schema (CONTRACT.md's table). Everything the server reads from
 * `process.env` goes through here, so a bad value stops start-up with one line naming it.
 */

const url = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    }, `expected an http(s) URL for ${what}, e.g. https://example.com`)
    .transform((v) => v.replace(/\/+$/, ''));

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

const optionalUrl = (what: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(url(what).optional());

const positiveInt = (def: number, what: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? String(def) : v))
    .refine((v) => /^\d+$/.test(v) && Number(v) > 0, `expected a positive whole number (${what})`)
    .transform(Number);

/** Like positiveInt, but 0 is allowed and means "off". */
const intervalOrOff = (def: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? String(def) : v))
    .refine((v) => /^\d+$/.test(v), 'expected a whole number of milliseconds (0 turns it off)')
    .transform(Number);

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)?$/i;
const bodyLimit = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === undefined || v === '' ? '4mb' : v))
  .refine((v) => SIZE_RE.test(v), 'expected a size such as 4mb, 512kb or 2097152')
  .transform((v) => {
    const [, n, unit = 'b'] = SIZE_RE.exec(v)!;
    const mult = { b: 1, kb: 1024, mb: 1024 * 1024 }[unit.toLowerCase() as 'b' | 'kb' | 'mb'];
    return Math.floor(Number(n) * mult);
  })
  .refine((n) => n >= 1024, 'expected at least 1kb');

const timezone = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v))
  .refine((v) => {
    if (v === undefined) return true;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: v });
      return true;
    } catch {
      return false;
    }
  }, 'expected an IANA time zone such as Europe/Moscow');

const botList = z
  .string()
  .optional()
  .transform((v) => (v === undefined ? 'echo' : v))
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((names) => names.every((n) => /^[a-z0-9][a-z0-9_-]*$/i.test(n)), 'expected comma-separated bot names such as echo,faq');

const logLevel = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? 'info' : v.toLowerCase()))
  .pipe(z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']));

export const EnvSchema = z.object({
  PORT: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? '3000' : v))
    .refine((v) => /^\d+$/.test(v) && Number(v) < 65536, 'expected a port number 0-65535')
    .transform(Number),
  PUBLIC_URL: optionalUrl('PUBLIC_URL'),
  DATA_DIR: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? './data' : v.trim())),
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'expected a postgres:// URL'),
  SWITCHBOARD_LEASE_MS: positiveInt(30_000, 'milliseconds').refine((n) => n >= 100, 'expected at least 100 milliseconds'),
  ADMIN_TOKEN: optionalString,
  LOG_LEVEL: logLevel,
  BODY_LIMIT: bodyLimit,
  BOTS: botList,
  BOTS_CONFIG: optionalString,
  OUTBOX_MAX_ATTEMPTS: positiveInt(8, 'attempts before a reply is dead-lettered'),
  OUTBOX_RETRY_BASE_MS: positiveInt(1000, 'milliseconds'),
  OUTBOX_CONCURRENCY: positiveInt(256, 'replies on the wire at once per provider'),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000, 'milliseconds'),
  PROVIDER_SILENT_AFTER_MS: positiveInt(6 * 3600_000, 'milliseconds'),
  /**
   * `npm start` processes deliveries, runs bots and sends replies on a second thread, so receiving
   * and storing webhooks never waits behind a bot run (on by default; off = one thread, as an
   * embedding createSwitchboard() always is). Ignored with DATA_DIR=:memory:.
   */
  PROCESSING_THREAD: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? 'on' : v.toLowerCase()))
    .pipe(z.enum(['on', 'off'], { message: 'expected on or off' })),
  /**
   * Express `trust proxy`: which hops may set X-Forwarded-For. Off by default, so a client cannot
   * pick its own IP and dodge the per-IP limit on failed secrets; set it to the proxies you run.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? 'false' : v))
    .refine(
      (v) => /^(true|false|\d+)$/i.test(v) || v.split(',').every((t) => /^(loopback|linklocal|uniquelocal|[0-9a-f.:]+(\/\d+)?)$/i.test(t.trim())),
      'expected false, true, a hop count, loopback, or proxy addresses/CIDRs',
    )
    .transform((v): boolean | number | string => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v)),

  WEBINATO_WEBHOOK_SECRET: optionalString,

  WAMM_WEBHOOK_SECRET: optionalString,
  WAMM_API_TOKEN: optionalString,
  WAMM_API_URL: optionalUrl('WAMM_API_URL').transform((v) => v ?? 'https://wamm.chat/api2'),
  WAMM_POLL_INTERVAL_MS: positiveInt(60_000, 'milliseconds'),
  WAMM_SEND_INTERVAL_MS: positiveInt(3000, 'milliseconds'),
  WAMM_TIMEZONE: timezone,

  MQTTCHAT_WEBHOOK_SECRET: optionalString,
  MQTTCHAT_APP_ID: optionalString,
  MQTTCHAT_APP_SECRET: optionalString,
  MQTTCHAT_API_URL: optionalUrl('MQTTCHAT_API_URL').transform((v) => v ?? 'https://cluster1.telifoun.com/api/v1.0'),
  MQTTCHAT_POLL_INTERVAL_MS: intervalOrOff(300_000),

  SUPERVIZ_WEBHOOK_SECRET: optionalString,
  SUPERVIZ_CLIENT_ID: optionalString,
  SUPERVIZ_SECRET: optionalString,
  SUPERVIZ_API_URL: optionalUrl('SUPERVIZ_API_URL').transform((v) => v ?? 'https://api.superviz.com'),
  SUPERVIZ_WEBHOOK_HEADER: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9-]+$/.test(v), 'expected an HTTP header name such as Authorization'),
  SUPERVIZ_MESSAGE_EVENT: optionalString.transform((v) => v ?? 'message'),
  SUPERVIZ_POLL_INTERVAL_MS: intervalOrOff(300_000),

  RINGCENTRAL_WEBHOOK_SECRET: optionalString,
  RINGCENTRAL_VERIFICATION_TOKEN: optionalString,
  RINGCENTRAL_SERVER_URL: optionalUrl('RINGCENTRAL_SERVER_URL').transform((v) => v ?? 'https://platform.ringcentral.com'),
  RINGCENTRAL_CLIENT_ID: optionalString,
  RINGCENTRAL_CLIENT_SECRET: optionalString,
  RINGCENTRAL_JWT: optionalString,

  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_WEBHOOK_SECRET: optionalString.refine(
    (v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v),
    'expected 1-256 characters from A-Z a-z 0-9 _ - (Telegram secret_token rules)',
  ),
  TELEGRAM_API_ROOT: optionalUrl('TELEGRAM_API_ROOT').transform((v) => v ?? 'https://api.telegram.org'),
  TELEGRAM_MAX_SENDS_PER_SECOND: positiveInt(30, 'Bot API sends per second across all chats'),
  TELEGRAM_OPERATOR_CHAT_ID: optionalString.refine((v) => v === undefined || /^-?\d+$/.test(v), 'expected a numeric Telegram chat id'),

  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl('OPENAI_BASE_URL'),
  OPENAI_MODEL: optionalString.transform((v) => v ?? 'gpt-4o-mini'),
});

export type Config = z.output<typeof EnvSchema>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Parse an environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = EnvSchema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const variable = String(issue.path[0] ?? 'environment');
  throw new ConfigError(variable, issue.message);
}

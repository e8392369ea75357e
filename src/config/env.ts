import { z } from 'zod';
import { webinatoEnv } from '../providers/webinato/env';
import { wammEnv } from '../providers/wamm/env';
import { mqttchatEnv } from '../providers/mqttchat/env';
import { supervizEnv } from '../providers/superviz/env';
import { ringcentralEnv } from '../providers/ringcentral/env';
import { telegramEnv } from '../providers/telegram/env';
import { optionalString, optionalUrl, positiveInt } from './fields';

/**
 * The whole environment in one schema (CONTRACT.md's table). Everything the server reads from
 * `process.env` goes through here, so a bad value stops start-up with one line naming it. Each
 * provider declares its own variables in src/providers/<name>/env.ts; they are merged here.
 */

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
  /**
   * Longest a webhook waits for the store before it is answered 503 with Retry-After; also
   * PostgreSQL's connect timeout and statement_timeout, so a database that is gone or silent
   * fails a query in seconds instead of holding it.
   */
  STORE_TIMEOUT_MS: positiveInt(3000, 'milliseconds').refine((n) => n >= 100, 'expected at least 100 milliseconds'),
  /** Longest a client may take to send a request's headers (slowloris), then 408 and closed. */
  HTTP_HEADERS_TIMEOUT_MS: positiveInt(10_000, 'milliseconds').refine((n) => n >= 100, 'expected at least 100 milliseconds'),
  /** Longest a client may take to send a whole request, body included, then 408 and closed. */
  HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000, 'milliseconds').refine((n) => n >= 100, 'expected at least 100 milliseconds'),
  /** How long an idle keep-alive connection stays open (above a load balancer's usual 60 s). */
  HTTP_KEEPALIVE_TIMEOUT_MS: positiveInt(65_000, 'milliseconds'),
  SWITCHBOARD_LEASE_MS: positiveInt(30_000, 'milliseconds').refine((n) => n >= 100, 'expected at least 100 milliseconds'),
  ADMIN_TOKEN: optionalString,
  /** An operator console session unused this long is signed out (default 8 hours). */
  CONSOLE_SESSION_IDLE_MS: positiveInt(8 * 3600_000, 'milliseconds'),
  LOG_LEVEL: logLevel,
  BODY_LIMIT: bodyLimit,
  BOTS: botList,
  BOTS_CONFIG: optionalString,
  OUTBOX_MAX_ATTEMPTS: positiveInt(8, 'attempts before a reply is dead-lettered'),
  OUTBOX_RETRY_BASE_MS: positiveInt(1000, 'milliseconds'),
  OUTBOX_CONCURRENCY: positiveInt(256, 'replies on the wire at once per provider'),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000, 'milliseconds'),
  /** Raw bodies of processed deliveries are kept this long, then pruned in the background (quarantined ones until replayed or discarded). */
  DELIVERY_RETENTION_DAYS: positiveInt(30, 'days'),
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

  // Each provider's own variables (src/providers/<name>/env.ts).
  ...webinatoEnv,
  ...wammEnv,
  ...mqttchatEnv,
  ...supervizEnv,
  ...ringcentralEnv,
  ...telegramEnv,

  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl('OPENAI_BASE_URL'),
  OPENAI_MODEL: optionalString.transform((v) => v ?? 'gpt-4o-mini'),
  /** The assistant's knowledge: the OpenAI-compatible embeddings model its chunks and questions are embedded with. */
  OPENAI_EMBEDDING_MODEL: optionalString.transform((v) => v ?? 'text-embedding-3-small'),
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

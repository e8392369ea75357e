import { randomUUID } from 'node:crypto';
import { secretsOf } from '../base/log';
import type { Config } from '../config/env';
import type { NewRequest } from '../store/types';

/** Headers that carry credentials whatever their value: never stored. */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-telegram-bot-api-secret-token',
  'verification-token',
  'validation-token',
]);

/**
 * The headers of a webhook request we keep with its raw body in the delivery log: everything but
 * credentials (the ones above, the SuperViz secret header, and any header holding a configured
 * secret), so an operator sees what the provider sent without the log becoming a secret store.
 */
export function keptHeaders(headers: Record<string, string | string[] | undefined>, config: Config): Record<string, string> {
  const secrets = secretsOf(config as unknown as Record<string, unknown>).filter((s) => s.length >= 4);
  const extra = config.SUPERVIZ_WEBHOOK_HEADER?.toLowerCase();
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || CREDENTIAL_HEADERS.has(name) || name === extra) continue;
    const v = Array.isArray(value) ? value.join(', ') : value;
    out[name] = secrets.some((s) => v.includes(s)) ? '[redacted]' : v;
  }
  return out;
}

/** The request as the delivery log keeps it (the body is valid UTF-8: it decoded). */
export function requestRecord(raw: Buffer, contentType: string, headers: Record<string, string>): Omit<NewRequest, 'provider' | 'receivedAt'> {
  return { key: randomUUID(), contentType, headers, body: raw.toString('utf8') };
}

import { randomBytes } from 'node:crypto';
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
  const { secrets, extra } = secretsFor(config);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || CREDENTIAL_HEADERS.has(name) || name === extra) continue;
    const v = Array.isArray(value) ? value.join(', ') : value;
    out[name] = secrets.some((s) => v.includes(s)) ? '[redacted]' : v;
  }
  return out;
}

// A config's secrets, worked out once (every webhook request asks).
const secretsByConfig = new WeakMap<Config, { secrets: string[]; extra: string | undefined }>();
function secretsFor(config: Config) {
  let s = secretsByConfig.get(config);
  if (!s) {
    s = { secrets: secretsOf(config as unknown as Record<string, unknown>).filter((x) => x.length >= 4), extra: config.SUPERVIZ_WEBHOOK_HEADER?.toLowerCase() };
    secretsByConfig.set(config, s);
  }
  return s;
}

/**
 * Request keys grow with time (then this process's tag and a counter), so each new raw body and
 * its index entries land at the end of their B-trees instead of at a random page, as a random UUID
 * would; the tag keeps keys of several processes (threads, instances) apart.
 */
const tag = randomBytes(4).toString('hex');
let seq = 0;
export function requestKey(now = Date.now()): string {
  seq = (seq + 1) % 1_679_616; // 36^4: four base-36 digits
  return `${now.toString(36).padStart(9, '0')}${seq.toString(36).padStart(4, '0')}-${tag}`;
}

/** The request as the delivery log keeps it (the body is valid UTF-8: it decoded). */
export function requestRecord(raw: Buffer, contentType: string, headers: Record<string, string>): Omit<NewRequest, 'provider' | 'receivedAt'> {
  return { key: requestKey(), contentType, headers, body: raw.toString('utf8') };
}

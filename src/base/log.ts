import winston from 'winston';

/**
 * Structured logs (JSON lines) with secrets redacted. Every configured secret value is replaced
 * wherever it appears, and the URL shapes that carry secrets are masked even when the value is
 * unknown: /webhooks/<provider>/<secret>, WAMM's /api2/<method>/<token>, Telegram's /bot<token>/.
 */

const URL_PATTERNS: [RegExp, string][] = [
  [/(\/webhooks\/[a-z0-9_-]+\/)[^/?\s"'<]+/gi, '$1<secret>'],
  [/(\/api2\/[a-z0-9_]+\/)[^/?\s"']+/gi, '$1<token>'],
  // Whatever the token's shape (a malformed TELEGRAM_BOT_TOKEN=abc too): all between /bot and the method, where /bot is
  // the URL's first path segment, or is followed by a Bot API method name; a folder such as /tmp/bots-start-x1/ is not.
  [/(:\/\/[^/\s"']+\/bot)[^/?\s"'<]+(?=\/)/g, '$1<token>'],
  [/(?<!\/)(\/bot)(?!s\/)[^/?\s"'<.]+(?=\/[a-z][A-Za-z]*(?:[?\s"']|$))/g, '$1<token>'],
];

/** Credential-named fields: as JSON keys (also JSON inside a string), as query parameters, and auth schemes. */
const NAMES = 'authorization|secret|x-telegram-bot-api-secret-token|verification-token|validation-token|client_secret|api[_-]?key|password|token|jwt|assertion';
const FIELD_PATTERNS: [RegExp, string][] = [
  [new RegExp(`(\\\\?"(?:${NAMES})\\\\?"\\s*:\\s*\\\\?")[^"\\\\]*`, 'gi'), '$1<redacted>'],
  [new RegExp(`([?&](?:${NAMES})=)[^&\\s"]+`, 'gi'), '$1<redacted>'],
  [/\b((?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1<redacted>'],
];

/** Where winston's transports read the finished line from (triple-beam's MESSAGE). */
const LINE = Symbol.for('message');

export function makeRedactor(secrets: (string | undefined)[]): (s: string) => string {
  const values = [...new Set(secrets.filter((s): s is string => !!s && s.length >= 4))].sort((a, b) => b.length - a.length);
  return (s: string) => {
    let out = s;
    for (const v of values) if (out.includes(v)) out = out.split(v).join('<redacted>');
    for (const [re, rep] of URL_PATTERNS) out = out.replace(re, rep);
    for (const [re, rep] of FIELD_PATTERNS) out = out.replace(re, rep);
    return out;
  };
}

export function createLogger(opts: { level: string; secrets: (string | undefined)[]; stream?: NodeJS.WritableStream }): winston.Logger {
  const redact = makeRedactor(opts.secrets);
  // One serialization per line: the JSON line is built here, redacted as a whole (nested meta,
  // errors and stacks included) and handed to the transport as is. (It used to be stringified,
  // redacted, parsed back and stringified again by format.json(): a third of the logger's cost.)
  const redactedJson = winston.format((info) => {
    const { level, message, ...rest } = info as Record<string, unknown>;
    (info as Record<symbol, unknown>)[LINE] = redact(JSON.stringify({ level, message, ...rest }, errorReplacer));
    return info;
  });
  const transport = opts.stream ? new winston.transports.Stream({ stream: opts.stream }) : new winston.transports.Console({ stderrLevels: [] });
  const logger = winston.createLogger({
    level: opts.level,
    format: winston.format.combine(winston.format.timestamp(), redactedJson()),
    transports: [transport],
  });
  return gated(logger);
}

/** triple-beam's LEVEL: the level a line was logged at. */
const LEVEL = Symbol.for('level');

/**
 * winston runs the logger's format (timestamp, JSON, redaction) on every line and only then lets
 * each transport drop the lines below its level, so every `debug` line at LOG_LEVEL=info (two per
 * reply sent) cost a full formatting. Lines no transport would write now stop at the logger (child loggers write
 * through it). The level is read at each call, so changing `logger.level` still takes effect.
 */
function gated(logger: winston.Logger): winston.Logger {
  const write = logger.write.bind(logger) as (info: unknown, ...rest: unknown[]) => boolean;
  logger.write = ((info: Record<symbol, string>, ...rest: unknown[]) =>
    info?.[LEVEL] !== undefined && !logger.isLevelEnabled(info[LEVEL]) ? true : write(info, ...rest)) as typeof logger.write;
  return logger;
}

function errorReplacer(_key: string, value: unknown) {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

export function secretsOf(config: Record<string, unknown>): string[] {
  return Object.entries(config)
    .filter(([k, v]) => typeof v === 'string' && /(SECRET|TOKEN|KEY|JWT|PASSWORD)/.test(k))
    .map(([, v]) => v as string)
    .concat(typeof config.DATABASE_URL === 'string' ? passwordOf(config.DATABASE_URL) : []);
}

function passwordOf(url: string): string[] {
  try {
    const p = new URL(url).password;
    return p ? [p] : [];
  } catch {
    return [];
  }
}

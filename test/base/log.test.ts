import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, makeRedactor } from '../../src/base/log';

describe('log redaction', () => {
  const redact = makeRedactor(['configured-secret-value', undefined, 'abc']);

  it('replaces configured secret values wherever they appear (short values are left: too many false hits)', () => {
    expect(redact('x configured-secret-value y')).toBe('x <redacted> y');
    expect(redact('abc')).toBe('abc');
  });

  it('masks the URL shapes that carry secrets, keeping placeholders readable', () => {
    expect(redact('POST /webhooks/wamm/s3cr3t?x=1')).toBe('POST /webhooks/wamm/<secret>?x=1');
    expect(redact('give it https://h/webhooks/wamm/<WAMM_WEBHOOK_SECRET>')).toBe('give it https://h/webhooks/wamm/<WAMM_WEBHOOK_SECRET>');
    expect(redact('GET https://wamm.chat/api2/msg_to/tok123/?phone=1')).toBe('GET https://wamm.chat/api2/msg_to/<token>/?phone=1');
    expect(redact('https://api.telegram.org/bot123456:AAE-x_y/sendMessage')).toBe('https://api.telegram.org/bot<token>/sendMessage');
    // A malformed token (TELEGRAM_BOT_TOKEN=abc, too short to redact by value) in the Bot API path, and paths that only look alike.
    expect(redact('GET https://api.telegram.org/botabc/getMe failed')).toBe('GET https://api.telegram.org/bot<token>/getMe failed');
    expect(redact('http://127.0.0.1:9/bot%20x:y/getUpdates')).toBe('http://127.0.0.1:9/bot<token>/getUpdates');
    expect(redact('POST /bot123:abc/sendMessage failed')).toBe('POST /bot<token>/sendMessage failed');
    // A temporary folder named bots-… is a path, not a token (the start-up line naming BOTS_CONFIG lost its folder to this).
    expect(redact('bot routes from /tmp/bots-start-Ab12xY/ok.json: echo')).toBe('bot routes from /tmp/bots-start-Ab12xY/ok.json: echo');
    expect(redact('sqlite (/tmp/botdata-1/switchboard.db)')).toBe('sqlite (/tmp/botdata-1/switchboard.db)');
    expect(redact('loaded /srv/app/bots/echo.js from https://bots.example.com/webhooks/x')).toBe(
      'loaded /srv/app/bots/echo.js from https://bots.example.com/webhooks/x',
    );
  });

  it('masks credential-named JSON fields, also inside JSON carried in a string, and query parameters', () => {
    expect(redact('{"authorization":"Basic dXNlcjpwYXNz","ok":1}')).toBe('{"authorization":"<redacted>","ok":1}');
    expect(redact(JSON.stringify({ message: JSON.stringify({ secret: 'hush-hush', n: 1 }) }))).not.toContain('hush-hush');
    expect(redact('/oauth?password=p4ss&user=u')).toBe('/oauth?password=<redacted>&user=u');
    expect(redact('header Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x.y')).toBe('header Authorization: Bearer <redacted>');
  });

  it('leaves prose that merely names a credential variable alone', () => {
    const line = 'OPENAI_API_KEY: the assistant bot needs it; set it in .env';
    expect(redact(line)).toBe(line);
    expect(redact('TELEGRAM_WEBHOOK_SECRET: expected 1-256 characters')).toBe('TELEGRAM_WEBHOOK_SECRET: expected 1-256 characters');
  });

  it('redacts through the winston logger, meta and errors included', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ level: 'info', secrets: ['configured-secret-value'], stream });
    log.error('send failed', { url: 'https://x/api2/msg_to/configured-secret-value/', err: new Error('boom configured-secret-value') });
    const out = lines.join('');
    expect(out).not.toContain('configured-secret-value');
    expect(JSON.parse(out)).toMatchObject({ level: 'error', message: 'send failed', err: { message: 'boom <redacted>' } });
  });
});

describe('log levels', () => {
  const capture = () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    return { lines, stream };
  };

  it('never formats a line below the level (no serialization, no redaction), children included; a level change applies at once', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', secrets: ['a-secret-value'], stream });
    let serialized = 0;
    // Nested: winston copies the top level of meta itself; only the formatting reads deeper.
    const meta = {
      reply: {
        get outboxId() {
          serialized++;
          return 1;
        },
      },
    };
    log.debug('reply sent', meta);
    log.child({ thread: 'processing' }).debug('reply sent', meta);
    expect(serialized).toBe(0);
    log.info('kept', meta);
    expect(serialized).toBe(1);
    log.level = 'debug';
    log.child({ thread: 'processing' }).debug('now kept', { n: 2 });
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['kept', 'now kept']);
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'debug', thread: 'processing', n: 2 });
  });
});

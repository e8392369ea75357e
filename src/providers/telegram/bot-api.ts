import http from 'node:http';
import https from 'node:https';
import { Telegram, TelegramError } from 'telegraf';

/**
 * telegraf's `Telegram` with a lighter transport for JSON calls. telegraf sends every call through
 * node-fetch 2, whose per-request Headers, Body stream and gzip handling cost about twice the CPU of
 * the call itself (BENCHMARKS.md round 5: 3,700 vs 7,800 sendMessage calls/s on one core, same fake
 * Bot API). Every method, its types and its errors stay telegraf's: only `callApi` for a payload
 * without a file upload (the only kind Switchboard makes; media go by URL) is a plain POST over
 * Node's http(s) with a keep-alive agent, answered the way telegraf answers it:
 * - HTTP 5xx: TelegramError with the status as error_code (the body may be a proxy's HTML);
 * - otherwise the JSON body: `{ok: true, result}` resolves to result, `{ok: false, …}` (with any
 *   status, 200 included) rejects with TelegramError carrying error_code, description, parameters;
 * - a body that is not JSON rejects with a plain Error (a transient failure to the outbox).
 * Uploads (an InputFile with `source`, or a URL telegraf must fetch itself) go to telegraf unchanged.
 * The token is in the request path only, never in an error message.
 */
export interface CallOptions {
  signal?: AbortSignal;
  /** Give up (a TimeoutError) when the whole answer has not arrived within this many ms. */
  timeoutMs?: number;
}

/** telegraf knows only signals: an upload's deadline becomes one. */
function withSignal({ signal, timeoutMs }: CallOptions): { signal?: AbortSignal } {
  if (timeoutMs === undefined) return { signal };
  const deadline = AbortSignal.timeout(timeoutMs);
  return { signal: signal ? AbortSignal.any([signal, deadline]) : deadline };
}

export class BotApi extends Telegram {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  constructor(token: string, apiRoot: string, private readonly maxBodyBytes = 8 << 20) {
    super(token, { apiRoot, webhookReply: false });
    this.base = new URL(apiRoot); // resolved against as telegraf does, so uploads and calls agree
    const secure = this.base.protocol === 'https:';
    // At most OUTBOX_CONCURRENCY calls are in flight per provider. Idle sockets are kept for reuse
    // and unref'd by the agent, so they never hold the process open.
    this.agent = secure ? new https.Agent({ keepAlive: true, keepAliveMsecs: 10_000 }) : new http.Agent({ keepAlive: true, keepAliveMsecs: 10_000 });
    this.request = secure ? https.request : http.request;
    // telegraf declares callApi generic over every method; this one is method-agnostic.
    // Besides telegraf's `signal`, calls here take `timeoutMs`: a deadline without an AbortSignal.
    const viaTelegraf = this.callApi.bind(this);
    this.callApi = ((method: string, payload: Record<string, unknown>, opts: CallOptions = {}) =>
      hasUpload(payload) ? viaTelegraf(method as never, payload as never, withSignal(opts) as never) : this.post(method, payload, opts)) as Telegram['callApi'];
  }

  private post(method: string, payload: Record<string, unknown>, opts: CallOptions): Promise<never> {
    const body = JSON.stringify(payload, dropNullish);
    const url = new URL(`./${this.options.apiMode}${this.token}${this.options.testEnv ? '/test' : ''}/${method}`, this.base);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      const req = this.request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          signal: opts.signal,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 500) {
            res.resume();
            fail(new TelegramError({ error_code: status, description: res.statusMessage ?? `HTTP ${status}` }, { method, payload }));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > this.maxBodyBytes) {
              res.destroy();
              fail(new Error(`Bot API ${method}: answer larger than ${this.maxBodyBytes} bytes (HTTP ${status})`));
              return;
            }
            chunks.push(c);
          });
          res.on('error', fail);
          res.on('end', () => {
            clearTimeout(timer);
            let data: { ok?: boolean; result?: never; error_code?: number; description?: string; parameters?: never };
            try {
              data = JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as typeof data;
            } catch {
              reject(new Error(`Bot API ${method}: HTTP ${status} with a body that is not JSON; is TELEGRAM_API_ROOT right?`));
              return;
            }
            if (data?.ok === true) resolve(data.result as never);
            else reject(new TelegramError({ error_code: data?.error_code ?? status, description: data?.description ?? `HTTP ${status}`, parameters: data?.parameters }, { method, payload }));
          });
        },
      );
      // One plain timer per call: an AbortSignal.timeout() per call cost ~80 µs of CPU (bench/bot-api.ts).
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => req.destroy(Object.assign(new Error(`Bot API ${method}: no answer within ${opts.timeoutMs} ms`), { name: 'TimeoutError' })), opts.timeoutMs);
      }
      // A network error names the call's address with the token's secret half left out, as telegraf does.
      req.on('error', (err: Error & { code?: string }) =>
        fail(Object.assign(new Error(`${err.message} (POST ${redacted(url)})`), { name: err.name, code: err.code, cause: err })),
      );
      req.end(body);
    });
  }
}

/** telegraf's own rule (client.js `includesMedia`): a value with a `source` or `url` to upload. */
export function hasUpload(payload: Record<string, unknown>): boolean {
  const file = (v: unknown): boolean => {
    if (!v || typeof v !== 'object') return false;
    const o = v as Record<string, unknown>;
    return Boolean(o.source) || Boolean(o.url) || (Boolean(o.media) && typeof o.media === 'object' && file(o.media));
  };
  for (const [key, value] of Object.entries(payload)) {
    if (key === 'link_preview_options') continue;
    if (Array.isArray(value) ? value.some((v) => v && typeof v === 'object' && file((v as { media?: unknown }).media)) : file(value)) return true;
  }
  return false;
}

function redacted(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/(bot|user)(\d+):[^/]+\//, '/$1$2:[REDACTED]/')}`;
}

/** As telegraf serializes: null and undefined fields are left out. */
function dropNullish(_key: string, value: unknown): unknown {
  return value == null ? undefined : value;
}

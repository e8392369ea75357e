import type { Telegram } from 'telegraf';
import { httpCall, type HttpAnswer } from '../http-client';
import { telegraf } from './telegraf';

/**
 * telegraf's `Telegram` with a lighter transport for JSON calls. telegraf sends every call through
 * node-fetch 2 (per-request Headers, Body stream, gzip handling) and a deadline needs an
 * AbortSignal per call, which cost more CPU per sendMessage than the send itself (measured by
 * bench/bot-api.ts; figures in BENCHMARKS.md). Every method, its types and its errors stay
 * telegraf's: only `callApi` for a payload without a file upload (the only kind Switchboard makes;
 * media go by URL) is a plain POST over Node's http(s) with a keep-alive agent (../http-client.ts), answered the way telegraf answers it:
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

function defineBotApi({ Telegram, TelegramError }: typeof import('telegraf')) {
  return class BotApi extends Telegram {
    private readonly base: URL;

    constructor(token: string, apiRoot: string) {
      super(token, { apiRoot, webhookReply: false });
      this.base = new URL(apiRoot); // resolved against as telegraf does, so uploads and calls agree
      // telegraf declares callApi generic over every method; this one is method-agnostic.
      // Besides telegraf's `signal`, calls here take `timeoutMs`: a deadline without an AbortSignal.
      const viaTelegraf = this.callApi.bind(this);
      this.callApi = ((method: string, payload: Record<string, unknown>, opts: CallOptions = {}) =>
        hasUpload(payload)
          ? viaTelegraf(method as never, payload as never, withSignal(opts) as never)
          : this.post(method, payload, opts)) as Telegram['callApi'];
    }

    private async post(method: string, payload: Record<string, unknown>, opts: CallOptions): Promise<never> {
      const url = new URL(`./${this.options.apiMode}${this.token}${this.options.testEnv ? '/test' : ''}/${method}`, this.base);
      let res: HttpAnswer;
      try {
        res = await httpCall(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload, dropNullish),
          timeoutMs: opts.timeoutMs,
          signal: opts.signal,
        });
      } catch (err) {
        // A network error names the call's address with the token's secret half left out, as telegraf does.
        const e = err as Error & { code?: string };
        throw Object.assign(new Error(`${e.message} (POST ${redacted(url)})`), { name: e.name, code: e.code, cause: e });
      }
      if (res.status >= 500) throw new TelegramError({ error_code: res.status, description: res.statusMessage || `HTTP ${res.status}` }, { method, payload });
      let data: { ok?: boolean; result?: never; error_code?: number; description?: string; parameters?: never };
      try {
        data = JSON.parse(res.text) as typeof data;
      } catch {
        throw new Error(`Bot API ${method}: HTTP ${res.status} with a body that is not JSON; is TELEGRAM_API_ROOT right?`);
      }
      if (data?.ok === true) return data.result as never;
      throw new TelegramError(
        { error_code: data?.error_code ?? res.status, description: data?.description ?? `HTTP ${res.status}`, parameters: data?.parameters },
        { method, payload },
      );
    }
  };
}

/** The class, made when the first client is (telegraf is loaded then, see ./telegraf.ts). */
let botApi: ReturnType<typeof defineBotApi> | undefined;
export type BotApi = InstanceType<ReturnType<typeof defineBotApi>>;

export function createBotApi(token: string, apiRoot: string): BotApi {
  botApi ??= defineBotApi(telegraf());
  return new botApi(token, apiRoot);
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

import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { ProviderSendError } from '../model/errors';
import { recordApiCall } from './api-calls';

/**
 * One HTTP call to a provider's API over Node's own client, with a keep-alive agent per protocol.
 * (Global fetch, undici, cost ~3x the CPU per call here, and node-fetch, telegraf's, ~1.7x:
 * bench/bot-api.ts.) Resolves with the whole answer, whatever its status; rejects with the network
 * error itself (its `code`, e.g. ECONNREFUSED, kept) or, past `timeoutMs` for the whole answer, with
 * an Error named TimeoutError. The URL is never put in an error message (WAMM's carries its token).
 */
export interface HttpAnswer {
  status: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface HttpCall {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A larger answer is refused (default 8 MiB). */
  maxBodyBytes?: number;
}

const agents: Record<string, http.Agent> = {
  'http:': new http.Agent({ keepAlive: true, keepAliveMsecs: 10_000 }),
  'https:': new https.Agent({ keepAlive: true, keepAliveMsecs: 10_000 }),
};

export function httpCall(url: URL, call: HttpCall): Promise<HttpAnswer> {
  const maxBodyBytes = call.maxBodyBytes ?? 8 << 20;
  const headers = call.body !== undefined ? { ...call.headers, 'content-length': String(Buffer.byteLength(call.body)) } : call.headers;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: Error) => {
      clearTimeout(timer);
      if (!call.signal?.aborted)
        recordApiCall(url.origin, err.name === 'TimeoutError' ? 'timed out' : `network error (${(err as { code?: string }).code ?? err.message})`);
      reject(err);
    };
    const request = url.protocol === 'https:' ? https.request : http.request;
    const req = request(url, { method: call.method, agent: agents[url.protocol], headers, signal: call.signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBodyBytes) {
          res.destroy();
          fail(new Error(`answer larger than ${maxBodyBytes} bytes (HTTP ${res.statusCode})`));
          return;
        }
        chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        recordApiCall(url.origin, (res.statusCode ?? 0) >= 500 ? `HTTP ${res.statusCode}` : undefined);
        resolve({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          text: Buffer.concat(chunks, size).toString('utf8'),
        });
      });
    });
    // One plain timer per call: an AbortSignal.timeout() per call is dearer (bench/bot-api.ts).
    if (call.timeoutMs !== undefined) {
      timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${call.timeoutMs} ms`), { name: 'TimeoutError' })), call.timeoutMs);
    }
    req.on('error', fail);
    req.end(call.body);
  });
}

/**
 * An API call that answers JSON, turning failures into ProviderSendError with the retry
 * classification the outbox needs: network errors, timeouts, 429 and 5xx are transient; other 4xx
 * are permanent. Callers still inspect 200 bodies (some providers report errors with HTTP 200).
 */
export async function requestJson(
  url: string,
  init: Omit<HttpCall, 'method'> & { method?: string; what: string },
): Promise<{ status: number; body: unknown; headers: IncomingHttpHeaders }> {
  let res: HttpAnswer;
  try {
    res = await httpCall(new URL(url), { ...init, method: init.method ?? 'GET', timeoutMs: init.timeoutMs ?? 10_000 });
  } catch (err) {
    const e = err as Error & { code?: string };
    const reason = e.name === 'TimeoutError' ? 'timed out' : `network error (${e.code ?? e.message})`;
    throw new ProviderSendError(`${init.what}: ${reason}`, false);
  }
  let body: unknown = res.text;
  try {
    body = res.text ? JSON.parse(res.text) : undefined;
  } catch {
    /* keep text */
  }
  if (res.status === 429 || res.status >= 500) {
    throw new ProviderSendError(`${init.what}: HTTP ${res.status}`, false, retryAfterMs(res.headers, body));
  }
  if (res.status >= 400) {
    throw new ProviderSendError(`${init.what}: HTTP ${res.status} ${typeof body === 'string' ? body.slice(0, 200) : JSON.stringify(body).slice(0, 200)}`, true);
  }
  return { status: res.status, body, headers: res.headers };
}

/** Retry-After (seconds) from the header, or Telegram's body `parameters.retry_after` / a top-level `retry_after`. */
function retryAfterMs(headers: IncomingHttpHeaders, body: unknown): number | undefined {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
  for (const v of [headers['retry-after'], b.parameters?.retry_after, b.retry_after]) {
    const n = Number(v);
    if (v !== null && v !== undefined && Number.isFinite(n) && n > 0) return Math.min(n, 3600) * 1000;
  }
  return undefined;
}

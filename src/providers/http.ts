import { ProviderSendError } from './types';

/**
 * fetch with a timeout, turning transport failures into ProviderSendError with the retry
 * classification the outbox needs: network errors, timeouts, 429 and 5xx are transient; other 4xx
 * are permanent. Callers still inspect 200 bodies (some providers report errors with HTTP 200).
 */
export async function requestJson(
  url: string,
  init: RequestInit & { timeoutMs?: number; what: string },
): Promise<{ status: number; body: unknown; headers: Headers }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000) });
  } catch (err) {
    const e = err as Error;
    const reason = e.name === 'TimeoutError' ? 'timed out' : `network error (${(e as { cause?: { code?: string } }).cause?.code ?? e.message})`;
    throw new ProviderSendError(`${init.what}: ${reason}`, false);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
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
function retryAfterMs(headers: Headers, body: unknown): number | undefined {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
  for (const v of [headers.get('retry-after'), b.parameters?.retry_after, b.retry_after]) {
    const n = Number(v);
    if (v !== null && v !== undefined && Number.isFinite(n) && n > 0) return Math.min(n, 3600) * 1000;
  }
  return undefined;
}

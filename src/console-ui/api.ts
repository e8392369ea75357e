/** The console's calls to the admin API: the session's CSRF token on every state-changing request, errors as thrown messages. */

export interface Actor {
  id: number | null;
  name: string;
  role: 'admin' | 'operator';
}

let csrf: string | null = null;
export const setCsrf = (t: string | null) => {
  csrf = t;
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Called when a request finds the session gone (expired, signed out elsewhere). */
let onSignedOut: () => void = () => {};
export const whenSignedOut = (fn: () => void) => {
  onSignedOut = fn;
};

export async function api<T = any>(path: string, opts: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  let r: Response;
  try {
    r = await fetch(path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), credentials: 'same-origin' });
  } catch {
    // The browser's own words ("Failed to fetch") say nothing to an operator.
    throw new ApiError(0, 'Cannot reach the Switchboard server; it may be restarting. Try again in a moment.');
  }
  const data = r.headers.get('content-type')?.includes('json') ? await r.json() : {};
  if (r.status === 401 && !path.endsWith('/login')) onSignedOut();
  if (!r.ok) throw new ApiError(r.status, data.error ?? `HTTP ${r.status}`);
  return data as T;
}

export const post = <T = any>(path: string, body: unknown = {}) => api<T>(path, { method: 'POST', body });

/** Query string from the set fields. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** `ids` null: the stream (re)connected, anything may have changed. */
type Listener = (ids: number[] | null) => void;
const listeners = new Set<Listener>();
let source: EventSource | undefined;

/** Conversations that changed, pushed by the server (GET /api/console/events); one stream per page. */
export function onConversationsChanged(fn: Listener): () => void {
  listeners.add(fn);
  if (!source) {
    source = new EventSource('/api/console/events');
    source.addEventListener('conversations', (e) => {
      const { ids } = JSON.parse((e as MessageEvent).data) as { ids: number[] };
      for (const l of listeners) l(ids);
    });
    source.addEventListener('ready', () => {
      setLive('live');
      for (const l of listeners) l(null);
    });
    // The browser reconnects by itself; until the server says ready again, nothing is pushed.
    source.addEventListener('error', () => setLive('reconnecting'));
  }
  return () => {
    listeners.delete(fn);
    if (listeners.size === 0) {
      source?.close();
      source = undefined;
    }
  };
}

/** The change stream: connecting (first time), live, or reconnecting (server restarting, network gone; the browser retries by itself). */
export type LiveState = 'connecting' | 'live' | 'reconnecting';
let live: LiveState = 'connecting';
const liveListeners = new Set<(state: LiveState) => void>();
function setLive(state: LiveState) {
  if (state === live) return;
  live = state;
  for (const l of liveListeners) l(state);
}
export function onLiveChanged(fn: (state: LiveState) => void): () => void {
  liveListeners.add(fn);
  fn(live);
  return () => liveListeners.delete(fn);
}

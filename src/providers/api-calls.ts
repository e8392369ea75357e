/**
 * How each provider API's last calls went, by origin (https://wamm.chat), as /api/health reports
 * it: every call through http-client.ts is counted here. A call that got no answer (refused, reset,
 * unknown host, timed out) or a 5xx is a failure; any other answer, 4xx included, means the API is
 * reachable. Kept in memory per thread: the processing thread, which makes the calls, forwards
 * each change to the receiving thread, which answers /api/health (threaded-switchboard.ts).
 */
export interface ApiCallState {
  origin: string;
  lastOkAt?: string;
  lastFailureAt?: string;
  lastError?: string;
  /** Failed calls since the last one that got an answer. */
  failuresInARow: number;
}

/** Unreachable "on its last calls": two failures in a row, or one when no call ever got through. */
export function isFailing(s: ApiCallState | undefined): s is ApiCallState {
  return !!s && (s.failuresInARow >= 2 || (s.failuresInARow >= 1 && !s.lastOkAt));
}

const states = new Map<string, ApiCallState>();
const listeners = new Set<(s: ApiCallState) => void>();

/** `error` undefined: the call got an answer. Listeners hear of failures and of the first answer after them, not of every success. */
export function recordApiCall(origin: string, error?: string, at = new Date()): void {
  let s = states.get(origin);
  if (!s) states.set(origin, (s = { origin, failuresInARow: 0 }));
  if (error === undefined) {
    const changed = s.failuresInARow > 0 || !s.lastOkAt;
    s.lastOkAt = at.toISOString();
    s.failuresInARow = 0;
    if (!changed) return;
  } else {
    s.lastFailureAt = at.toISOString();
    s.lastError = error;
    s.failuresInARow++;
  }
  for (const l of listeners) l({ ...s });
}

/** A state seen by another thread. */
export function applyApiCallState(s: ApiCallState): void {
  states.set(s.origin, { ...s });
}

export function apiCallState(origin: string): ApiCallState | undefined {
  const s = states.get(origin);
  return s && { ...s };
}

export function onApiCallChange(listener: (s: ApiCallState) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The origin of an API base URL, or undefined when it is not one. */
export function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

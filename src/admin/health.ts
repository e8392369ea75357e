import type { ProviderHealth } from '../store/types';

/**
 * Whether Switchboard is doing its job, as /api/health says it: `degraded`, with one warning per
 * cause, while any of these holds, and `ok` only when none does:
 * - a provider's API failed its last calls (no answer, or a 5xx);
 * - a provider that polls has had no successful poll since start (after POLL_GRACE_MS);
 * - replies were dead-lettered in the last hour;
 * - the store cannot take writes.
 * A provider that has been silent is a warning too, but not `degraded`: quiet hours are normal.
 * Pure: the admin API gathers the inputs.
 */
export const POLL_GRACE_MS = 120_000;
export const DEAD_LETTER_WINDOW_MS = 3600_000;

export interface ApiCalls {
  /** Origin called, e.g. https://wamm.chat. */
  origin: string;
  failing: boolean;
  lastError?: string;
  lastOkAt?: string;
  lastFailureAt?: string;
  failuresInARow: number;
}

export interface ProviderInputs {
  name: string;
  health?: ProviderHealth;
  /** This configuration runs a poller for it. */
  polls: boolean;
  /** The variable naming its API (for the warning), e.g. WAMM_API_URL. */
  apiUrlVariable?: string;
  api?: ApiCalls;
  /** Replies to it dead-lettered within DEAD_LETTER_WINDOW_MS. */
  deadLastHour: number;
}

export interface HealthInputs {
  now: number;
  startedAt: number;
  silentAfterMs: number;
  providers: ProviderInputs[];
  /** Why the store cannot take writes, if it cannot (Store.writeProblem). */
  storeProblem?: string;
}

export interface Assessment {
  status: 'ok' | 'degraded';
  warnings: string[];
  silent: Record<string, boolean>;
}

const minutes = (ms: number) => Math.max(1, Math.round(ms / 60_000));

export function assessHealth(i: HealthInputs): Assessment {
  const causes: string[] = [];
  const notes: string[] = [];
  const silent: Record<string, boolean> = {};
  if (i.storeProblem) causes.push(`store: cannot write (${i.storeProblem}); webhooks are refused until it can`);
  for (const p of i.providers) {
    if (p.api?.failing) {
      causes.push(
        `${p.name}: its API (${p.api.origin}) failed the last ${p.api.failuresInARow} call${p.api.failuresInARow === 1 ? '' : 's'}: ${p.api.lastError}` +
          `${p.api.lastOkAt ? ` (last answer ${p.api.lastOkAt})` : ' (no call has got through since start)'}; check ${p.apiUrlVariable ?? 'its API URL'} and the network`,
      );
    }
    const lastPoll = Date.parse(p.health?.lastPollAt ?? '') || 0;
    if (p.polls && lastPoll < i.startedAt && i.now - i.startedAt > POLL_GRACE_MS) {
      causes.push(`${p.name}: no successful poll since start ${minutes(i.now - i.startedAt)} min ago; see the log for the poller's errors`);
    }
    if (p.deadLastHour > 0) {
      causes.push(`${p.name}: ${p.deadLastHour} repl${p.deadLastHour === 1 ? 'y' : 'ies'} dead-lettered in the last hour; npm run cli -- outbox list`);
    }
    const last = Math.max(i.startedAt, Date.parse(p.health?.lastDeliveryAt ?? '') || 0);
    silent[p.name] = i.now - last > i.silentAfterMs;
    if (silent[p.name]) notes.push(`${p.name}: nothing received for ${minutes(i.now - last)} min; check its webhook URL and connection`);
  }
  return { status: causes.length > 0 ? 'degraded' : 'ok', warnings: [...causes, ...notes], silent };
}

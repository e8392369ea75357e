import type { ProviderRuntime } from './types';

/**
 * The loop every catch-up poller runs: one round now, then one every intervalMs, only while this
 * instance is the leader, until the server stops. A round that throws is logged and retried at the
 * next interval; a round that completes is recorded as the provider's last poll (/api/health).
 * While the store cannot write, rounds are skipped: nothing fetched could be kept.
 */
export function startRounds(runtime: ProviderRuntime, intervalMs: number, what: string, round: () => Promise<void>): void {
  let timer: NodeJS.Timeout | undefined;
  const run = async () => {
    if (runtime.signal.aborted) return;
    if (runtime.isLeader() && !runtime.storePaused?.()) {
      try {
        await round();
        await runtime.recordPoll();
      } catch (err) {
        runtime.log.warn(`${what} failed; next round will retry`, { err: (err as Error).message });
      }
    }
    if (!runtime.signal.aborted) timer = setTimeout(() => void run(), intervalMs);
  };
  runtime.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  timer = setTimeout(() => void run(), 0);
}

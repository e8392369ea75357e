import type { Logger } from 'winston';
import type { Store } from '../store/types';

export interface RetentionOptions {
  /** Processed deliveries older than this lose their payload and raw body (the dedupe row stays). */
  days: number;
  /** Deliveries pruned per transaction: short transactions never hold a webhook's commit up for long. */
  batch?: number;
  /** How often a sweep starts. */
  everyMs?: number;
  /** Whether this instance sweeps now (with several instances on one database, only the leader). */
  active?: () => boolean;
}

/**
 * Retention of the delivery log, in the background: one sweep at start and then at intervals, each
 * a run of small batches with a yield between them, so webhooks keep being stored while a large
 * backlog (an upgrade's first sweep, a long retention change) is pruned. Quarantined deliveries
 * are never pruned: they wait for a replay or a discard.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly opts: RetentionOptions,
  ) {}

  start(firstAfterMs = 5_000): void {
    const schedule = (ms: number) => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        void this.sweep().finally(() => schedule(this.opts.everyMs ?? 3_600_000));
      }, ms);
      this.timer.unref();
    };
    schedule(firstAfterMs);
  }

  /** One sweep to the end (or to stop()); resolves with how many deliveries it pruned. */
  sweep(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    if (this.opts.active && !this.opts.active()) return 0;
    const before = new Date(Date.now() - this.opts.days * 86_400_000).toISOString();
    const batch = this.opts.batch ?? 500;
    const started = Date.now();
    let total = 0;
    try {
      for (;;) {
        if (this.stopped) break;
        const n = await this.store.pruneDeliveries(before, batch);
        total += n;
        if (n < batch) break;
        // Let the webhooks queued behind this batch commit before the next one.
        await new Promise((r) => setImmediate(r));
        if (total % (batch * 100) === 0) this.log.info('pruning the delivery log', { pruned: total, olderThan: before });
      }
    } catch (err) {
      this.log.warn('pruning the delivery log failed; the next sweep tries again', { err, pruned: total });
      return total;
    }
    if (total > 0)
      this.log.info(`pruned ${total} processed deliveries older than ${this.opts.days} days (DELIVERY_RETENTION_DAYS)`, {
        pruned: total,
        ms: Date.now() - started,
      });
    return total;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }
}

import type { Logger } from 'winston';
import type { Config } from '../config/env';
import type { ProviderAdapter } from '../providers/types';
import type { ApplyStats } from '../store/types';
import { Rerun } from './rerun';
import type { AppliedDelivery, Store, StoredDelivery } from '../store/types';
import { normalizeDelivery } from './normalize-delivery';

/**
 * Turns stored deliveries into conversation-model rows: normalize (pure) then apply in one
 * transaction per batch. Runs after the provider has its 200, and again at start-up for anything
 * stored but not processed before a crash. Applying is idempotent (unique provider ids), so a
 * delivery processed twice (crash after commit) changes nothing the second time. With several
 * instances the store lets one apply at a time, in stored order, whichever instance kicked it.
 */
export class Processor {
  private readonly passes = new Rerun(() => this.processAll(), {
    onError: (err) => {
      this.log.error('processing deliveries failed; will retry', { err });
      setTimeout(() => this.kick(), 1000).unref();
    },
    paused: () => !!this.store.writeProblem?.(),
  });

  constructor(
    private readonly store: Store,
    private readonly adapters: Map<string, ProviderAdapter>,
    private readonly config: Config,
    private readonly log: Logger,
    private readonly onApplied: (stats: ApplyStats) => void,
    private readonly batchSize = 100,
  ) {}

  kick(): void {
    this.passes.request();
  }

  private normalize(d: StoredDelivery): AppliedDelivery {
    const result = normalizeDelivery(d, this.adapters, this.config);
    if ('error' in result) {
      // Once per delivery: a quarantined delivery is not processed again unless replayed.
      this.log.warn('delivery quarantined: our schema cannot read it; kept for replay (npm run cli -- deliveries list --status quarantined)', {
        provider: d.provider,
        deliveryId: d.id,
        reason: result.error,
      });
    }
    return result;
  }

  /** Resolves when nothing is left to process (for tests and graceful shutdown). */
  async drain(): Promise<void> {
    while (this.passes.running) await new Promise((r) => setTimeout(r, 5));
  }

  private async processAll(): Promise<void> {
    for (;;) {
      const { count, stats } = await this.store.processDeliveries(this.batchSize, (d) => this.normalize(d));
      if (count === 0) return;
      this.onApplied(stats);
    }
  }
}

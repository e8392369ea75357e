import type { Delivery } from '../providers/types';
import type { AppendOutcome, NewDelivery, Store } from '../store/types';

/**
 * Group commit: every delivery that arrives while a commit is being prepared joins it, so many
 * concurrent webhooks share one transaction (one fsync) instead of paying one each. Each caller's
 * promise resolves only after the transaction holding its deliveries has committed.
 */
export class Ingest {
  private waiting: { items: NewDelivery[]; resolve: (r: AppendOutcome[]) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  private flushing = false;
  private readonly maxBatch = 5000;

  constructor(
    private readonly store: Store,
    private readonly onCommitted: () => void,
  ) {}

  append(provider: string, deliveries: Delivery[], receivedAt = new Date().toISOString()): Promise<AppendOutcome[]> {
    const items = deliveries.map((d) => ({ provider, key: d.key, payload: d.payload, receivedAt }));
    return new Promise((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.schedule();
    });
  }

  private schedule() {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const group: typeof this.waiting = [];
        let n = 0;
        while (this.waiting.length > 0 && (n === 0 || n + this.waiting[0]!.items.length <= this.maxBatch)) {
          const w = this.waiting.shift()!;
          group.push(w);
          n += w.items.length;
        }
        try {
          const outcomes = await this.store.appendDeliveries(group.flatMap((g) => g.items));
          let i = 0;
          for (const g of group) {
            g.resolve(outcomes.slice(i, i + g.items.length));
            i += g.items.length;
          }
          this.onCommitted();
        } catch (err) {
          for (const g of group) g.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

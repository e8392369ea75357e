import type { Delivery } from '../providers/types';
import type { AppendOutcome, NewDelivery, NewRequest, Store } from '../store/types';

/**
 * Group commit: every delivery that arrives while a commit is being prepared joins it, so many
 * concurrent webhooks share one transaction (one fsync) instead of paying one each. Each caller's
 * promise resolves only after the transaction holding its deliveries has committed.
 */
export class Ingest {
  private waiting: { items: NewDelivery[]; request?: NewRequest; resolve: (r: AppendOutcome[]) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  private flushing = false;
  private readonly maxBatch = 5000;

  constructor(
    private readonly store: Store,
    private readonly onCommitted: () => void,
  ) {}

  /** `request`: the webhook request they came in (its raw body joins the same commit). */
  append(
    provider: string,
    deliveries: Delivery[],
    receivedAt = new Date().toISOString(),
    request?: Omit<NewRequest, 'provider' | 'receivedAt'>,
  ): Promise<AppendOutcome[]> {
    const items: NewDelivery[] = deliveries.map((d) => ({
      provider,
      key: d.key,
      payload: d.payload,
      receivedAt,
      ...(request ? { requestKey: request.key } : {}),
      ...(d.recovered ? { recovered: true } : {}),
    }));
    const req = request && { ...request, provider, receivedAt };
    return new Promise((resolve, reject) => {
      this.waiting.push({ items, request: req, resolve, reject });
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
          const outcomes = await this.store.appendDeliveries(
            group.flatMap((g) => g.items),
            group.flatMap((g) => (g.request ? [g.request] : [])),
          );
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

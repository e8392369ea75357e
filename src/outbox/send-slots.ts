/**
 * At most `max` requests on the wire per provider (OUTBOX_CONCURRENCY); the rest wait their turn,
 * first come first. Without a bound a backlog of N conversations sent N requests at once: N
 * connections (file descriptors) to a provider that rate-limits anyway.
 */
export class SendSlots {
  private readonly byProvider = new Map<string, { used: number; waiting: (() => void)[] }>();
  private stopped = false;

  constructor(private readonly max: number) {}

  /** Wait for a free slot; false when stopped meanwhile (then no slot is taken). */
  async take(provider: string): Promise<boolean> {
    let s = this.byProvider.get(provider);
    if (!s) this.byProvider.set(provider, (s = { used: 0, waiting: [] }));
    if (this.stopped) return false;
    if (s.used < this.max) {
      s.used++;
      return true;
    }
    // Handed over by give() (the count stays), or woken by stop() with one to give back.
    await new Promise<void>((resolve) => s.waiting.push(resolve));
    if (this.stopped) {
      this.give(provider);
      return false;
    }
    return true;
  }

  give(provider: string): void {
    const s = this.byProvider.get(provider)!;
    const next = s.waiting.shift();
    if (next) next();
    else s.used--;
  }

  /** Wake every waiter; none of them sends. */
  stop(): void {
    this.stopped = true;
    for (const s of this.byProvider.values()) for (const wake of s.waiting.splice(0)) wake();
  }
}

/**
 * Token buckets for failed requests: each client (route + IP) may fail `burst` times, refilled at
 * `perSecond`. Only failures are charged (wrong secret, unknown provider), so a flood of
 * unauthenticated requests is turned away with 429 before any body is read, while a provider's
 * valid deliveries, which never touch a bucket, go through at full speed. Memory is bounded: the
 * oldest buckets are dropped past `maxClients` (a full bucket is the same as no bucket).
 */
export class FailureLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly burst = 20,
    readonly perSecond = 2,
    private readonly maxClients = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while this client still has failures left; does not charge. */
  allows(key: string): boolean {
    return this.refill(key).tokens >= 1;
  }

  /** Charge one failure. */
  charge(key: string): void {
    const b = this.refill(key);
    b.tokens = Math.max(0, b.tokens - 1);
    this.buckets.delete(key); // re-insert: the map's order is least recently failed first
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
  }

  /** Seconds until the next failure is allowed (for Retry-After). */
  retryAfterSeconds(key: string): number {
    const b = this.refill(key);
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  private refill(key: string): { tokens: number; at: number } {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    return b;
  }
}

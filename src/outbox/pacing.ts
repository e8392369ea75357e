import type { Conversation } from '../model';
import type { SendPacing } from '../providers/types';

/**
 * Send spacing per provider, as each adapter declares it (SendPacing). Every limit is a minimum
 * gap between two sends sharing a key (conversation, account, provider); a send reserves the
 * earliest slot that respects all of its keys before it waits, so concurrent conversations on one
 * account line up one gap apart instead of all waking at once.
 */
export class Pacer {
  private readonly last = new Map<string, number>();
  /** The longest gap any policy keeps: a key older than this constrains nothing. */
  private readonly horizonMs: number;
  private nextPruneAt = 0;
  /** Pruning passes so far (each walks the whole map; a test holds them to about one per second). */
  prunes = 0;

  constructor(
    private readonly policies: Map<string, SendPacing>,
    private readonly now: () => number = Date.now,
  ) {
    let gap = 0;
    for (const p of policies.values()) gap = Math.max(gap, p.perConversationMs ?? 0, p.perAccountMs ?? 0, p.globalPerSecond ? 1000 / p.globalPerSecond : 0);
    this.horizonMs = gap;
  }

  get size(): number {
    return this.last.size;
  }

  private keys(provider: string, conversation: Conversation): [string, number][] {
    const p = this.policies.get(provider);
    if (!p) return [];
    const keys: [string, number][] = [];
    if (p.perConversationMs) keys.push([`${provider}:c:${conversation.id}`, p.perConversationMs]);
    if (p.perAccountMs) keys.push([`${provider}:a:${p.account?.(conversation) ?? ''}`, p.perAccountMs]);
    if (p.globalPerSecond) keys.push([`${provider}:*`, 1000 / p.globalPerSecond]);
    return keys;
  }

  /** Reserve the next slot for this send; returns how long to wait before preparing it (ms). */
  reserve(provider: string, conversation: Conversation): number {
    const keys = this.keys(provider, conversation);
    const now = this.now();
    let at = Math.max(now, this.last.get(`${provider}:pause`) ?? 0);
    for (const [key, gap] of keys) at = Math.max(at, (this.last.get(key) ?? -Infinity) + gap);
    for (const [key] of keys) this.last.set(key, at);
    this.prune(now);
    return at - now;
  }

  /**
   * Right before the request: the time since the previous request that really went out (the slot
   * was reserved before the send was prepared, which takes a variable moment). Returns the rest to
   * wait and records this send's moment.
   */
  release(provider: string, conversation: Conversation): number {
    const now = this.now();
    let at = now;
    const keys = this.keys(provider, conversation);
    for (const [key, gap] of keys) at = Math.max(at, (this.last.get(`${key}:sent`) ?? -Infinity) + gap);
    for (const [key] of keys) this.last.set(`${key}:sent`, at);
    return at - now;
  }

  /** The provider asked us to back off (HTTP 429 with Retry-After / retry_after): hold every send. */
  pause(provider: string, ms: number): void {
    const until = this.now() + ms;
    if (until > (this.last.get(`${provider}:pause`) ?? 0)) this.last.set(`${provider}:pause`, until);
  }

  /**
   * Keys whose slot is more than the longest gap in the past carry no constraint (pauses are
   * times in the future until they pass); drop them so the map stays small. At most once a second:
   * with thousands of conversations sending inside one gap nothing is stale yet, and walking the
   * map on every send made pacing a visible share of the server's CPU in profiles.
   */
  private prune(now: number): void {
    if (this.last.size < 10_000 || now < this.nextPruneAt) return;
    this.nextPruneAt = now + 1000;
    this.prunes++;
    for (const [k, t] of this.last) if (t < now - this.horizonMs) this.last.delete(k);
  }
}

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

  constructor(
    private readonly policies: Map<string, SendPacing>,
    private readonly now: () => number = Date.now,
  ) {}

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

  /** Keys whose slot is long past carry no constraint; drop them so the map stays small. */
  private prune(now: number): void {
    if (this.last.size < 10_000) return;
    for (const [k, t] of this.last) if (t < now - 60_000) this.last.delete(k);
  }
}

import type { Logger } from 'winston';
import { ProviderSendError, type ProviderClient } from '../providers/types';
import { outboxPartition } from '../store/leases';
import type { OutboxItem, Store } from '../store/types';
import { defaultLease, HeldLease, type LeaseOptions } from './lease';

export interface OutboxOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Instances sharing a database send a conversation's replies under its outbox lease. */
  lease: LeaseOptions;
}

const DEFAULTS = { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 5 * 60_000 };

/**
 * Sends stored replies through the providers' clients: one conversation at a time in order,
 * retrying transient failures with exponential backoff and jitter, dead-lettering permanent ones.
 * Every item is marked `sending` (committed) before the request goes out, so a crash mid-send is
 * recognised at the next start instead of being repeated blindly.
 */
export class Outbox {
  private readonly inFlight = new Set<number>();
  private readonly busyConversations = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;
  private again = false;
  private stopped = false;
  private readonly opts: OutboxOptions;

  constructor(
    private readonly store: Store,
    private readonly clients: Map<string, ProviderClient>,
    private readonly log: Logger,
    opts: Partial<OutboxOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, lease: opts.lease ?? defaultLease(), ...opts };
  }

  kick(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.scanning = true;
    void this.scan();
  }

  get busy(): boolean {
    return this.inFlight.size > 0 || this.scanning;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async scan(): Promise<void> {
    try {
      do {
        this.again = false;
        const due = await this.store.dueOutbox(new Date().toISOString(), 500);
        const byConversation = new Map<number, OutboxItem[]>();
        for (const item of due) {
          const list = byConversation.get(item.conversationId) ?? [];
          list.push(item);
          byConversation.set(item.conversationId, list);
        }
        for (const [conversationId, items] of byConversation) {
          if (this.busyConversations.has(conversationId)) continue;
          const held = await HeldLease.claim(this.store, outboxPartition(conversationId), this.opts.lease, this.log);
          if (!held) continue; // another instance is sending this conversation's replies
          this.busyConversations.add(conversationId);
          void this.sendAll(conversationId, items, held);
        }
      } while (this.again && !this.stopped);
      await this.armTimer();
    } catch (err) {
      this.log.error('outbox scan failed; will retry', { err });
      this.timer = setTimeout(() => this.kick(), 1000);
      this.timer.unref();
    } finally {
      this.scanning = false;
    }
  }

  private async armTimer(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    const next = await this.store.nextOutboxAt();
    if (!next || this.stopped) return;
    const wait = Math.max(0, Math.min(Date.parse(next) - Date.now(), 60_000));
    this.timer = setTimeout(() => this.kick(), wait + 5);
    this.timer.unref();
  }

  private async sendAll(conversationId: number, items: OutboxItem[], held: HeldLease): Promise<void> {
    try {
      for (const item of items) {
        if (this.stopped || held.lost) break;
        const ok = await this.sendOne(item);
        if (!ok) break; // keep order: later replies wait behind a retrying one
      }
    } finally {
      await held.release();
      this.busyConversations.delete(conversationId);
      this.kick();
    }
  }

  /** Returns false when the item is waiting for a retry. */
  private async sendOne(item: OutboxItem): Promise<boolean> {
    const client = this.clients.get(item.provider);
    if (!client) {
      await this.store.outboxMarkDead(item.id, `no client for provider ${item.provider} (not enabled, or receive-only)`);
      return true;
    }
    const conversation = await this.store.getConversation(item.conversationId);
    if (!conversation) {
      await this.store.outboxMarkDead(item.id, `conversation ${item.conversationId} is gone`);
      return true;
    }
    if (!(await this.store.outboxMarkSending(item.id, this.opts.lease.owner))) return false; // sent or claimed elsewhere meanwhile
    this.inFlight.add(item.id);
    try {
      const result = await client.send(conversation, item.message);
      await this.store.outboxMarkSent(item.id, { ...result, at: new Date().toISOString() });
      this.log.info('reply sent', { outboxId: item.id, provider: item.provider, conversationId: item.conversationId, externalId: result.externalId });
      return true;
    } catch (err) {
      const e = err as Error;
      const permanent = err instanceof ProviderSendError && err.permanent;
      const attempts = item.attempts + 1;
      if (permanent || attempts >= this.opts.maxAttempts) {
        await this.store.outboxMarkDead(item.id, e.message);
        this.log.warn('reply dead-lettered', { outboxId: item.id, provider: item.provider, error: e.message, attempts, permanent });
        return true;
      }
      const retryAfter = err instanceof ProviderSendError ? err.retryAfterMs : undefined;
      const backoff = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempts - 1));
      const delay = Math.max(retryAfter ?? 0, backoff / 2 + Math.random() * (backoff / 2));
      await this.store.outboxMarkRetry(item.id, e.message, new Date(Date.now() + delay).toISOString());
      this.log.warn('reply send failed; will retry', { outboxId: item.id, provider: item.provider, error: e.message, attempts, retryInMs: Math.round(delay) });
      return false;
    } finally {
      this.inFlight.delete(item.id);
    }
  }
}

import type { Logger } from 'winston';
import type { BotRuntime } from '../bots/runtime';
import type { OutboxItem, Store } from '../store/types';
import { defaultLease, HeldLease, type LeaseOptions } from './lease';

/**
 * Runs bots per partition (a conversation): one dispatch at a time, lowest provider order first,
 * while different conversations run in parallel. A slow bot holds only its own conversation.
 * After a partition drains it rescans, so a dispatch committed while it was finishing is never
 * stranded.
 *
 * Across instances a partition is claimed (a lease) before it runs and released after it drains;
 * the release is followed by a rescan, so work that arrived while another instance held the
 * partition is picked up (vercel/chat#928). The lease is renewed while a slow bot runs (#685).
 */
export class Dispatcher {
  private readonly running = new Set<string>();
  private scanning = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly runtime: BotRuntime,
    private readonly log: Logger,
    /** Replies a bot run committed, handed straight to the outbox. */
    private readonly onCommitted: (items: OutboxItem[]) => void,
    private readonly maxParallel = 64,
    private readonly lease: LeaseOptions = defaultLease(),
  ) {}

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
    return this.running.size > 0 || this.scanning;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Resolves when no bot run is in progress (graceful shutdown: started runs finish and commit). */
  async drained(): Promise<void> {
    while (this.running.size > 0 || this.scanning) await new Promise((r) => setTimeout(r, 10));
  }

  private async scan(): Promise<void> {
    try {
      do {
        this.again = false;
        const free = this.maxParallel - this.running.size;
        if (free <= 0) break;
        const partitions = await this.store.pendingPartitions(free + this.running.size, this.lease.owner);
        const claims: Promise<void>[] = [];
        for (const p of partitions) {
          if (this.running.has(p) || this.running.size >= this.maxParallel) continue;
          this.running.add(p);
          // Claimed together, not one after another: the claims share one commit.
          claims.push(
            HeldLease.claim(this.store, p, this.lease, this.log)
              .catch((err) => {
                this.log.error('partition claim failed; will retry', { err, partition: p });
                return undefined;
              })
              .then((held) => {
                if (held) void this.runPartition(p, held);
                else this.running.delete(p); // another instance runs it
              }),
          );
        }
        await Promise.all(claims);
      } while (this.again && !this.stopped);
    } catch (err) {
      this.log.error('dispatch scan failed; will retry', { err });
      setTimeout(() => this.kick(), 1000).unref();
    } finally {
      this.scanning = false;
    }
  }

  private async runPartition(partition: string, held: HeldLease): Promise<void> {
    try {
      while (!this.stopped && !held.lost) {
        const d = await this.store.nextDispatch(partition);
        if (!d) break;
        try {
          const done = await this.runtime.run(d);
          const { items } = await this.store.completeDispatch(done);
          if (items.length > 0) this.onCommitted(items);
        } catch (err) {
          const giveUp = d.attempts + 1 >= 5;
          this.log.error('dispatch failed', { err, dispatchId: d.id, partition, giveUp });
          await this.store.failDispatch(d.id, String((err as Error)?.message ?? err), giveUp);
          if (!giveUp) {
            await new Promise((r) => setTimeout(r, 200 * 2 ** d.attempts));
          }
        }
      }
    } catch (err) {
      this.log.error('dispatch partition failed; will retry', { err, partition });
    } finally {
      await held.release();
      this.running.delete(partition);
      this.kick();
    }
  }
}

import type { Logger } from 'winston';
import type { BotRuntime } from '../bots/runtime';
import type { CompleteDispatch, OutboxItem, Store } from '../store/types';
import { defaultLease, HeldLease, type LeaseOptions } from './lease';
import { RescanTimer } from './rescan';
import { Rerun } from './rerun';

/**
 * Runs bots per partition (a conversation): one dispatch at a time, lowest provider order first,
 * while different conversations run in parallel. A slow bot holds only its own conversation.
 * The processor offers the partitions it just gave work; one offered while it is running runs
 * again when it is done, so a dispatch committed while it was finishing is never stranded.
 *
 * Across instances a partition is claimed (a lease) before it runs and released after it drains.
 * An instance that finds it held looks again within 250 ms, and every instance rescans the store
 * each second, so work that arrived while another instance held the partition is picked up
 * (vercel/chat#928). The lease is renewed while a slow bot runs (#685).
 */
export class Dispatcher {
  private readonly running = new Set<string>();
  /** Partitions offered (or found) while running: run again once their current run is done. */
  private readonly behind = new Set<string>();
  /** Partitions waiting for a free slot (maxParallel), oldest first. */
  private readonly queued = new Set<string>();
  private stopped = false;
  private readonly scans = new Rerun(() => this.scan(), {
    settle: () => this.rescan.within(this.idleScanMs),
    onError: (err) => {
      this.log.error('dispatch scan failed; will retry', { err });
      this.rescan.within(1000);
    },
    stopped: () => this.stopped,
    paused: () => !!this.store.writeProblem?.(),
  });
  /** The last scan filled its page: more pending partitions may wait in the database. */
  private more = false;
  private readonly rescan = new RescanTimer(() => this.kick());

  constructor(
    private readonly store: Store,
    private readonly runtime: BotRuntime,
    private readonly log: Logger,
    /** Replies a bot run committed, handed straight to the outbox. */
    private readonly onCommitted: (items: OutboxItem[]) => void,
    private readonly maxParallel = 64,
    private readonly lease: LeaseOptions = defaultLease(),
    /** Rescan this often even when nothing was offered: work another instance applied, or left behind. */
    private readonly idleScanMs = 1000,
  ) {}

  /** Look for pending work in the store (start-up, the idle timer, after a failure). */
  kick(): void {
    this.scans.request();
  }

  /**
   * Partitions the processor just gave new dispatches: started at once, without scanning the
   * table for them (that scan read every pending dispatch for each run; BENCHMARKS.md).
   */
  offer(partitions: Iterable<string>): void {
    if (this.stopped) return;
    for (const p of partitions) {
      if (this.running.has(p)) this.behind.add(p);
      else this.queued.add(p);
    }
    this.pump();
  }

  get busy(): boolean {
    return this.running.size > 0 || this.scans.running || this.queued.size > 0;
  }

  stop(): void {
    this.stopped = true;
    this.rescan.stop();
    // Not started: they stay pending in the store for the next start (or another instance).
    this.queued.clear();
    this.behind.clear();
  }

  /** Resolves when no bot run is in progress (graceful shutdown: started runs finish and commit). */
  async drained(): Promise<void> {
    while (this.running.size > 0 || this.scans.running) await new Promise((r) => setTimeout(r, 10));
  }

  /** Start queued partitions while there is room. */
  private pump(): void {
    for (const p of this.queued) {
      if (this.stopped || this.running.size >= this.maxParallel) return;
      this.queued.delete(p);
      if (this.running.has(p)) this.behind.add(p);
      else this.start(p);
    }
  }

  /** Claim the partition's lease (claims started together share one commit) and run it. */
  private start(partition: string): void {
    this.running.add(partition);
    void HeldLease.claim(this.store, partition, this.lease, this.log)
      .catch((err) => {
        this.log.error('partition claim failed; will retry', { err, partition });
        return undefined;
      })
      .then((held) => {
        if (held) return this.runPartition(partition, held);
        // Another instance runs it (or the claim failed): look again shortly.
        this.running.delete(partition);
        this.rescan.within(250);
        this.pump();
      });
  }

  private async scan(): Promise<void> {
    const limit = this.maxParallel + this.running.size;
    const partitions = await this.store.pendingPartitions(limit, this.lease.owner);
    this.more = partitions.length >= limit;
    this.offer(partitions);
  }

  private async runPartition(partition: string, held: HeldLease): Promise<void> {
    try {
      let more = true;
      while (!this.stopped && !held.lost) {
        // Look again only when the last look saw more, or more was offered meanwhile: every new
        // dispatch this process applies is offered, and another instance's is found by its claim
        // retry or the idle scan. Saves a query per run (nearly every run is the only one).
        if (!more && !this.behind.delete(partition)) break;
        const [d, next] = await this.store.nextDispatches(partition, 2);
        more = next !== undefined;
        if (!d) break;
        let done: CompleteDispatch | undefined;
        try {
          done = await this.runtime.run(d);
          const { items } = await this.store.completeDispatch(done);
          if (items.length > 0) this.onCommitted(items);
        } catch (err) {
          const giveUp = d.attempts + 1 >= 5;
          this.log.error('dispatch failed', { err, dispatchId: d.id, partition, giveUp });
          // The bots ran but their commit failed: what they did is kept with the error.
          await this.store.failDispatch(d.id, String((err as Error)?.message ?? err), giveUp, done?.runs);
          if (!giveUp) {
            await new Promise((r) => setTimeout(r, 200 * 2 ** d.attempts));
          }
        }
      }
    } catch (err) {
      this.log.error('dispatch partition failed; will retry', { err, partition });
      this.rescan.within(1000);
    } finally {
      await held.release();
      this.running.delete(partition);
      // Work offered while it ran goes back in line; a scan that filled its page is continued.
      if (this.behind.delete(partition)) this.queued.add(partition);
      this.pump();
      if (this.more && this.queued.size === 0) this.kick();
    }
  }
}

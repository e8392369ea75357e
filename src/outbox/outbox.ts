import type { Logger } from 'winston';
import type { ProviderClient } from '../providers/types';
import { outboxPartition } from '../store/leases';
import type { OutboxItem, Store } from '../store/types';
import { defaultLease, HeldLease, type LeaseOptions } from '../pipeline/lease';
import type { Pacer } from './pacing';
import { recoverInterrupted, type RecoveryCounts } from './recovery';
import { RescanTimer } from '../pipeline/rescan';
import { Rerun } from '../pipeline/rerun';
import { ReplySender } from './send';

export interface OutboxOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Rescan this often even when nothing is due: replies re-queued from the CLI or by another instance. */
  idleScanMs: number;
  /** Instances sharing a database send a conversation's replies under its outbox lease. */
  lease: LeaseOptions;
  /** Most requests on the wire at once per provider (OUTBOX_CONCURRENCY; send-slots.ts). */
  maxInFlight: number;
}

const DEFAULTS = { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 5 * 60_000, idleScanMs: 2000, maxInFlight: 256 };

/**
 * Sends stored replies through the providers' clients: one conversation at a time in order, paced
 * per provider, retrying transient failures with backoff and jitter, dead-lettering permanent ones.
 * Every item is marked `sending` (committed) before the request goes out, so a send a crash
 * interrupted is recognised at the next start and checked with the provider (recover()) instead
 * of being repeated blindly.
 */
export class Outbox {
  private readonly busyConversations = new Set<number>();
  private recovering = false;
  private readonly rescan = new RescanTimer(() => this.kick());
  /** Conversations offered replies while already sending: rescanned when their sender is done. */
  private readonly behind = new Set<number>();
  /** Items a sender has in hand (from an offer or a scan), so a scan does not chase them. */
  private readonly held = new Set<number>();
  private stopped = false;
  /** When the last completed pass read the due items: the timer is armed for what falls due after. */
  private scannedAt: string | undefined;
  private readonly scans = new Rerun(() => this.scan(), {
    // Everything due by now is with a sender (or waits behind one, which rescans when done): the
    // timer is for what falls due later (retries), else the idle rescan.
    settle: () => this.armTimer(this.scannedAt),
    onError: (err) => {
      this.log.error('outbox scan failed; will retry', { err });
      this.rescan.within(1000);
    },
    stopped: () => this.stopped,
    paused: () => !!this.store.writeProblem?.(),
  });
  private readonly opts: OutboxOptions;
  private readonly sender: ReplySender;

  constructor(
    private readonly store: Store,
    private readonly clients: Map<string, ProviderClient>,
    pacer: Pacer,
    private readonly log: Logger,
    opts: Partial<OutboxOptions> = {},
    onSent: (provider: string) => void = () => {},
  ) {
    this.opts = { ...DEFAULTS, lease: opts.lease ?? defaultLease(), ...opts };
    this.sender = new ReplySender(store, clients, pacer, log, { ...this.opts, owner: this.opts.lease.owner }, onSent);
  }

  kick(): void {
    this.scans.request();
  }

  get busy(): boolean {
    // A conversation is busy from its claim to its release, including the awaited writes around a send.
    return this.sender.inFlight.size > 0 || this.scans.running || this.busyConversations.size > 0;
  }

  /** Stop starting sends; sends already on the wire finish (see drained()). */
  stop(): void {
    this.stopped = true;
    this.rescan.stop();
    this.sender.stop();
  }

  /** Resolves when no request is on the wire any more (graceful shutdown). */
  async drained(): Promise<void> {
    while (this.sender.inFlight.size > 0 || this.scans.running) await new Promise((r) => setTimeout(r, 10));
  }

  /** At start-up, before any send: settle the items a stop left `sending` (recovery.ts). */
  async recover(): Promise<RecoveryCounts> {
    if (this.recovering) return { confirmed: 0, resent: 0, dead: 0 };
    this.recovering = true;
    try {
      return await recoverInterrupted({
        store: this.store,
        clients: this.clients,
        lease: this.opts.lease,
        log: this.log,
        inFlight: this.sender.inFlight,
        stranded: this.sender.stranded,
      });
    } finally {
      this.recovering = false;
    }
  }

  /**
   * Replies a bot run just committed: sent at once, without scanning the table for them (the scan
   * read every due item for each reply; BENCHMARKS.md). Order still holds: a conversation already
   * sending is rescanned once it is done, and the `sending` claim itself refuses an item while an
   * earlier reply of its conversation is unsent.
   */
  offer(items: OutboxItem[]): void {
    if (this.stopped || items.length === 0) return;
    Promise.all(this.start(byConversation(items), false)).catch((err) => {
      this.log.error('outbox hand-off failed; will rescan', { err });
      this.rescan.within(1000);
    });
  }

  private async scan(): Promise<void> {
    const now = new Date().toISOString();
    // Items already handed to a sender (offered, or found by an earlier scan) are its business.
    const due = (await this.store.dueOutbox(now, 500)).filter((item) => !this.held.has(item.id));
    await Promise.all(this.start(byConversation(due), true));
    this.scannedAt = now;
  }

  /**
   * Claim each conversation's outbox lease and send its items. Conversations claimed together
   * share one commit. `fromScan`: the items are only each conversation's head (what was due), so
   * the rest are looked for once it is sent.
   */
  private start(work: Map<number, OutboxItem[]>, fromScan: boolean): Promise<void>[] {
    const claims: Promise<void>[] = [];
    for (const [conversationId, items] of work) {
      if (this.busyConversations.has(conversationId)) {
        this.behind.add(conversationId); // its sender rescans when it is done
        continue;
      }
      this.busyConversations.add(conversationId);
      for (const item of items) this.held.add(item.id);
      const letGo = () => {
        for (const item of items) this.held.delete(item.id);
      };
      claims.push(
        HeldLease.claim(this.store, outboxPartition(conversationId), this.opts.lease, this.log).then(
          (held) => {
            if (held) return void this.sendAll(conversationId, items, held, fromScan);
            // Another instance is sending this conversation's replies; look again shortly.
            letGo();
            this.busyConversations.delete(conversationId);
            this.rescan.within(250);
          },
          (err) => {
            letGo();
            this.busyConversations.delete(conversationId);
            throw err;
          },
        ),
      );
    }
    return claims;
  }

  private async armTimer(after?: string): Promise<void> {
    const next = await this.store.nextOutboxAt(after);
    const wait = next ? Math.max(0, Date.parse(next) - Date.now()) + 5 : this.opts.idleScanMs;
    this.rescan.within(Math.min(wait, this.opts.idleScanMs));
  }

  private async sendAll(conversationId: number, items: OutboxItem[], held: HeldLease, fromScan: boolean): Promise<void> {
    let complete = false;
    try {
      // Replies straight from a bot run carry the conversation it read; the others read it here.
      const conversation = items[0]?.conversation ?? (await this.store.getConversation(conversationId));
      complete = true;
      for (const item of items) {
        if (this.stopped || held.lost || !(await this.sender.send(item, conversation))) {
          complete = false; // keep order: later replies wait behind a retrying one
          break;
        }
      }
    } catch (err) {
      complete = false;
      this.log.error('outbox send failed; will retry', { err, conversationId });
    } finally {
      await held.release();
      for (const item of items) this.held.delete(item.id);
      let next: OutboxItem[] = [];
      // What is left of this conversation's queue (replies offered while it was sending, or behind
      // a scanned head) is read by its index while it is still marked busy, instead of scanning
      // the whole table, which under load is dear.
      let more = this.behind.delete(conversationId) || fromScan;
      while (complete && more && !this.stopped) {
        try {
          next = (await this.store.dueOutboxOf(conversationId, new Date().toISOString(), 500)).filter((item) => !this.held.has(item.id));
        } catch (err) {
          complete = false;
          this.log.error('outbox read failed; will rescan', { err, conversationId });
        }
        more = this.behind.delete(conversationId) && next.length === 0;
      }
      this.busyConversations.delete(conversationId);
      if (!complete) this.kick();
      else if (next.length > 0) this.continueWith(conversationId, next);
    }
  }

  private continueWith(conversationId: number, items: OutboxItem[]): void {
    Promise.all(this.start(new Map([[conversationId, items]]), true)).catch((err) => {
      this.log.error('outbox hand-off failed; will rescan', { err, conversationId });
      this.rescan.within(1000);
    });
  }
}

function byConversation(items: OutboxItem[]): Map<number, OutboxItem[]> {
  const out = new Map<number, OutboxItem[]>();
  for (const item of items) {
    const list = out.get(item.conversationId);
    if (list) list.push(item);
    else out.set(item.conversationId, [item]);
  }
  return out;
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'winston';
import type { Store } from '../store/types';

/**
 * Coordination between instances sharing one database. Work that must run on one instance at a
 * time (a conversation's bot runs, its outbox, the pollers) is guarded by a lease row: claimed
 * before the work, renewed every third of its TTL while the work runs (a 30 s bot must not lose
 * its conversation halfway), released when done. An instance that dies stops renewing, and the
 * others take the work over once the lease expires.
 */
export interface LeaseOptions {
  /** This instance: hostname, pid and a random part (pids repeat across containers). */
  owner: string;
  ttlMs: number;
}

export function instanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export const defaultLease = (): LeaseOptions => ({ owner: instanceId(), ttlMs: 30_000 });

/** A lease this instance holds while it works; `lost` once it cannot be sure it still holds it. */
export class HeldLease {
  private readonly timer: NodeJS.Timeout;
  private validUntil: number;
  private gone = false;

  private constructor(
    private readonly store: Store,
    readonly name: string,
    private readonly opts: LeaseOptions,
    private readonly log: Logger,
    claimedAt: number,
  ) {
    this.validUntil = claimedAt + opts.ttlMs;
    this.timer = setInterval(() => void this.renew(), Math.max(10, Math.floor(opts.ttlMs / 3)));
    this.timer.unref();
  }

  /** Claim `name`; undefined when another live instance holds it. */
  static async claim(store: Store, name: string, opts: LeaseOptions, log: Logger): Promise<HeldLease | undefined> {
    const at = Date.now();
    if (!(await store.claimPartition(name, opts.owner, opts.ttlMs))) return undefined;
    return new HeldLease(store, name, opts, log, at);
  }

  get lost(): boolean {
    return this.gone || Date.now() >= this.validUntil;
  }

  private async renew(): Promise<void> {
    if (this.gone) return;
    const at = Date.now();
    try {
      if (await this.store.renewPartition(this.name, this.opts.owner, this.opts.ttlMs)) this.validUntil = at + this.opts.ttlMs;
      else {
        this.gone = true;
        this.log.warn('lease lost to another instance; stopping this work after the current step', { lease: this.name });
      }
    } catch (err) {
      if (!this.store.writeProblem?.()) this.log.warn('lease renewal failed; will retry', { lease: this.name, err });
    }
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    const wasOurs = !this.gone;
    this.gone = true;
    if (!wasOurs) return;
    try {
      await this.store.releasePartition(this.name, this.opts.owner);
    } catch (err) {
      this.log.warn('lease release failed; it expires by itself', { lease: this.name, err });
    }
  }
}

/**
 * The leader role: pollers and webhook registration run only on the instance holding it. Every
 * instance keeps trying to claim it, so when the leader dies another takes over within a TTL.
 * SQLite is a single process, so it is always the leader.
 */
export class Leader {
  private heldUntil = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: LeaseOptions,
    private readonly log: Logger,
  ) {}

  isLeader(): boolean {
    return !this.store.shared || Date.now() < this.heldUntil;
  }

  async start(): Promise<void> {
    if (!this.store.shared) return;
    await this.tick();
    this.timer = setInterval(() => void this.tick(), Math.max(10, Math.floor(this.opts.ttlMs / 3)));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const was = this.isLeader();
    const at = Date.now();
    try {
      this.heldUntil = (await this.store.claimPartition('leader', this.opts.owner, this.opts.ttlMs)) ? at + this.opts.ttlMs : 0;
    } catch (err) {
      if (!this.store.writeProblem?.()) this.log.warn('leader lease check failed; will retry', { err });
    }
    const is = this.isLeader();
    if (is !== was)
      this.log.info(is ? 'this instance is now the leader (runs pollers)' : 'this instance is no longer the leader', { instance: this.opts.owner });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.heldUntil > 0) {
      this.heldUntil = 0;
      await this.store.releasePartition('leader', this.opts.owner).catch(() => undefined);
    }
  }
}

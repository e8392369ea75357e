import { randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import type { Conversation } from '../model';
import { BLOCKED_BY_USER, ProviderSendError } from '../model/errors';
import type { ProviderClient, SendResult } from '../providers/types';
import type { OutboxItem, Store } from '../store/types';
import type { Pacer } from './pacing';
import { SendSlots } from './send-slots';

export interface SendOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Most requests on the wire at once per provider (OUTBOX_CONCURRENCY; send-slots.ts). */
  maxInFlight: number;
  /** This instance's lease owner: the `sending` mark names it. */
  owner: string;
}

/** Exponential backoff with jitter: attempt n waits between half and all of base·2^(n-1), capped. */
export function backoffMs(attempts: number, opts: Pick<SendOptions, 'baseDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * One reply onto the wire and its outcome in the store: paced per provider and conversation,
 * within the provider's send slots, marked `sending` (committed) before the request goes out, then
 * sent, retried with backoff, or dead-lettered. The outbox (outbox.ts) decides what to send when.
 */
export class ReplySender {
  /** Items whose request may be on the wire. */
  readonly inFlight = new Set<number>();
  /** Items whose marks around a send failed: possibly left `sending`, for recovery (recovery.ts) to settle. */
  readonly stranded = new Set<number>();
  private readonly waits = new Set<() => void>();
  private readonly slots: SendSlots;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly clients: Map<string, ProviderClient>,
    private readonly pacer: Pacer,
    private readonly log: Logger,
    private readonly opts: SendOptions,
    private readonly onSent: (provider: string) => void,
  ) {
    this.slots = new SendSlots(opts.maxInFlight);
  }

  /** Start no new request; waits in progress end at once. */
  stop(): void {
    this.stopped = true;
    for (const wake of this.waits) wake();
    this.slots.stop();
  }

  /** Wait ms (woken early by stop()); false when the outbox stopped meanwhile. */
  private async pause(ms: number): Promise<boolean> {
    if (ms > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t);
          this.waits.delete(wake);
          resolve();
        };
        const t = setTimeout(wake, ms);
        this.waits.add(wake);
      });
    }
    return !this.stopped;
  }

  /** Returns false when the item is waiting (retry, an earlier reply unsent, or the outbox stopped). */
  async send(item: OutboxItem, conversation: Conversation | undefined): Promise<boolean> {
    const client = this.clients.get(item.provider);
    if (!client) {
      await this.store.outboxMarkDead(item.id, `no client for provider ${item.provider} (not enabled, or receive-only)`);
      return true;
    }
    if (!conversation) {
      await this.store.outboxMarkDead(item.id, `conversation ${item.conversationId} is gone`);
      return true;
    }
    if (conversation.address?.blocked === true) {
      // The user blocked the bot (Telegram's my_chat_member "kicked"): every try would be refused,
      // so no request goes out until they write again (normalize clears the flag).
      await this.store.outboxMarkDead(item.id, BLOCKED_BY_USER);
      this.log.warn('reply dead-lettered', {
        outboxId: item.id,
        provider: item.provider,
        error: 'blocked by the user',
        attempts: item.attempts,
        permanent: true,
      });
      return true;
    }
    if (!(await this.pause(this.pacer.reserve(item.provider, conversation)))) return false;
    // A slot is taken after the pacing wait (a conversation waiting for its turn holds none) and
    // before the item is marked, so an item waiting for one is still plainly pending.
    if (!(await this.slots.take(item.provider))) return false;
    let slot = true;
    const freeSlot = () => {
      if (slot) this.slots.give(item.provider);
      slot = false;
    };
    this.inFlight.add(item.id);
    try {
      // False: sent or claimed elsewhere meanwhile, or an earlier reply is still unsent (a rescan follows).
      // The ref (with the conversation's highest known id) is committed before the request: recovery matches on it.
      const attempt = { ref: randomUUID() };
      if (!(await this.store.outboxMarkSending(item.id, this.opts.owner, attempt.ref))) return false;
      // A short wait at most; the send is already marked, so a stop now is recovered like a crash.
      await this.pause(this.pacer.release(item.provider, conversation));
      let result: SendResult;
      try {
        result = await client.send(conversation, item.message, attempt);
      } catch (err) {
        freeSlot();
        return await this.failed(item, err);
      }
      freeSlot();
      await this.store.outboxMarkSent(item.id, { ...result, at: new Date().toISOString() });
      this.onSent(item.provider);
      // Per message, like receiving: debug (LOG_LEVEL=debug). switchboard_replies_sent_total counts them.
      this.log.debug('reply sent', { outboxId: item.id, provider: item.provider, conversationId: item.conversationId, externalId: result.externalId });
      return true;
    } catch (err) {
      // Only the store throws here (a send's own failure is recorded by failed()): the item may be
      // left `sending`, which recovery settles with the provider once the store writes again.
      this.stranded.add(item.id);
      throw err;
    } finally {
      freeSlot();
      this.inFlight.delete(item.id);
    }
  }

  private async failed(item: OutboxItem, err: unknown): Promise<boolean> {
    const message = (err as Error)?.message ?? String(err);
    const permanent = err instanceof ProviderSendError && err.permanent;
    const attempts = item.attempts + 1;
    if (permanent || attempts >= this.opts.maxAttempts) {
      // The same as a my_chat_member "kicked": the conversation's later replies dead-letter unsent.
      if (err instanceof ProviderSendError && err.blocked) await this.store.mergeConversationAddress(item.conversationId, { blocked: true });
      await this.store.outboxMarkDead(item.id, message);
      this.log.warn('reply dead-lettered', { outboxId: item.id, provider: item.provider, error: message, attempts, permanent });
      return true;
    }
    const retryAfter = err instanceof ProviderSendError ? err.retryAfterMs : undefined;
    if (retryAfter) this.pacer.pause(item.provider, retryAfter);
    const delay = Math.max(retryAfter ?? 0, backoffMs(attempts, this.opts));
    await this.store.outboxMarkRetry(item.id, message, new Date(Date.now() + delay).toISOString());
    this.log.warn('reply send failed; will retry', { outboxId: item.id, provider: item.provider, error: message, attempts, retryInMs: Math.round(delay) });
    return false;
  }
}

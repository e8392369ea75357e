import type { Logger } from 'winston';
import type { ProviderClient, SendResult } from '../providers/types';
import { outboxPartition } from '../store/leases';
import type { OutboxItem, Store } from '../store/types';
import { HeldLease, type LeaseOptions } from '../pipeline/lease';

export interface RecoveryCounts {
  confirmed: number;
  resent: number;
  dead: number;
}

interface Deps {
  store: Store;
  clients: Map<string, ProviderClient>;
  lease: LeaseOptions;
  log: Logger;
  /** Items of this process left `sending` because a store write around their request failed (ReplySender.stranded). */
  stranded?: Set<number>;
  /** Items this process has on the wire now. */
  inFlight?: ReadonlySet<number>;
}

/**
 * At start-up, before any send: settle the items a stop left `sending`. A provider that can
 * confirm (client.confirm) says whether the message went out; otherwise the item becomes a dead
 * letter marked maybeDelivered, because sending again could double it (`outbox retry` wants --force).
 */
export async function recoverInterrupted(deps: Deps): Promise<RecoveryCounts> {
  const out: RecoveryCounts = { confirmed: 0, resent: 0, dead: 0 };
  // Besides a stop's (another owner's), this process's own sends whose marks failed (the store
  // stopped taking writes around the request) are as interrupted: the sender names them.
  const stranded = deps.stranded && deps.stranded.size > 0 ? deps.stranded : undefined;
  const items = await deps.store.outboxInterrupted(deps.lease.owner);
  // Read one by one: the lease of their conversation may still be this process's own (its release
  // failed with the store), which hides them from the query for a dead instance's.
  for (const id of stranded ?? []) {
    if (deps.inFlight?.has(id) || items.some((j) => j.id === id)) continue;
    const now = await deps.store.outboxItem(id);
    if (now?.status === 'sending') items.push(now);
    else stranded?.delete(id); // never marked `sending` after all, or settled since
  }
  for (const item of items) {
    // The conversation's outbox lease: no other instance settles or sends it meanwhile.
    const held = await HeldLease.claim(deps.store, outboxPartition(item.conversationId), deps.lease, deps.log);
    if (!held) continue;
    try {
      // Read again under the lease: another instance (or this one's other pass) may have settled it
      // since the list was read. Deciding on the old copy would match the provider's message
      // against ids that now include its own, find none free, and send it a second time.
      const now = await deps.store.outboxItem(item.id);
      if (now?.status === 'sending' && now.attempt?.ref === item.attempt?.ref && !deps.inFlight?.has(item.id)) await decide(deps, now, out);
      stranded?.delete(item.id);
    } finally {
      await held.release();
    }
  }
  return out;
}

async function decide({ store, clients, log }: Deps, item: OutboxItem, out: RecoveryCounts): Promise<void> {
  const client = clients.get(item.provider);
  const conversation = await store.getConversation(item.conversationId);
  let verdict: SendResult | null | undefined;
  let why = 'the provider cannot confirm sends';
  if (client?.confirm && conversation) {
    try {
      // Provider ids other items of this conversation already own (matched one to one).
      const taken = new Set(await store.outboxSentIds(item.conversationId, item.attempt?.knownOrderKey ?? Number.MIN_SAFE_INTEGER));
      verdict = await client.confirm(conversation, item.message, item.nextAttemptAt, { since: item.nextAttemptAt, attempt: item.attempt, taken });
    } catch (err) {
      why = `could not confirm with the provider (${(err as Error).message})`;
    }
  }
  if (verdict) {
    await store.outboxMarkSent(item.id, { ...verdict, at: new Date().toISOString() });
    out.confirmed++;
  } else if (verdict === null) {
    await store.outboxMarkRetry(item.id, 'interrupted before the provider had it; sending again', new Date().toISOString());
    out.resent++;
  } else {
    await store.outboxMarkDead(item.id, `interrupted while sending; it may or may not have been delivered: ${why}`, true);
    out.dead++;
  }
  log.warn('reply interrupted mid-send by a stop', {
    outboxId: item.id,
    provider: item.provider,
    result: verdict ? 'confirmed sent' : verdict === null ? 'not sent; sending again' : 'dead-lettered',
    why: verdict === undefined ? why : undefined,
  });
}

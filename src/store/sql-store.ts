import * as botStorage from './bot-storage';
import * as deliveries from './deliveries';
import * as dispatches from './dispatches';
import type { Leases } from './leases';
import * as outbox from './outbox';
import * as reads from './reads';
import type { SqlDb } from './sql';
import type { Store } from './types';
import { watchWrites, WriteHealth } from './write-health';

/** Written while the store cannot write, to learn when it can again: a few pages, like a real delivery. */
const PROBE_KEY = 'switchboard:write-probe';
const PROBE_PAD = 'x'.repeat(16 * 1024);

/**
 * The Store: each operation is a function over a SqlDb in the file named for it (deliveries,
 * apply, dispatches, outbox, reads, leases), written once for both dialects; a dialect's own
 * forms come in as capabilities (SqlDb.forms). This class only binds them to one database.
 */
export class SqlStore implements Store {
  readonly db: SqlDb;
  private readonly writes: WriteHealth;

  constructor(
    db: SqlDb,
    private readonly leases: Leases,
  ) {
    this.writes = new WriteHealth(() =>
      db.run('INSERT INTO cursors (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
        PROBE_KEY,
        `${new Date().toISOString()} ${PROBE_PAD}`,
      ]),
    );
    this.db = watchWrites(db, this.writes);
  }

  writeProblem(): string | undefined {
    return this.writes.problem;
  }
  onWriteProblem(listener: (problem: string | undefined) => void): void {
    this.writes.onChange(listener);
  }

  get dialect() {
    return this.db.dialect;
  }
  get shared() {
    return this.db.shared;
  }
  migrate() {
    return this.db.migrate();
  }
  close() {
    this.writes.close();
    return this.db.close();
  }

  // deliveries (deliveries.ts)
  appendDeliveries: Store['appendDeliveries'] = (batch, requests) => deliveries.appendDeliveries(this.db, batch, requests);
  pendingDeliveries: Store['pendingDeliveries'] = (limit, afterId) => deliveries.pendingDeliveries(this.db, limit, afterId);
  applyDeliveries: Store['applyDeliveries'] = (results) => deliveries.applyDeliveries(this.db, results);
  processDeliveries: Store['processDeliveries'] = (limit, normalize) => deliveries.processDeliveries(this.db, limit, normalize);
  replayDeliveries: Store['replayDeliveries'] = (ids, normalize) => deliveries.replayDeliveries(this.db, ids, normalize);
  countRejected: Store['countRejected'] = (provider) => deliveries.countRejected(this.db, provider);
  listDeliveries: Store['listDeliveries'] = (filter) => deliveries.listDeliveries(this.db, filter);
  getDelivery: Store['getDelivery'] = (id) => deliveries.getDelivery(this.db, id);
  discardDeliveries: Store['discardDeliveries'] = (ids) => deliveries.discardDeliveries(this.db, ids);
  pruneDeliveries: Store['pruneDeliveries'] = (before, limit) => deliveries.pruneDeliveries(this.db, before, limit);

  // dispatches (dispatches.ts) and leases (leases.ts)
  pendingPartitions: Store['pendingPartitions'] = (limit, owner) => dispatches.pendingPartitions(this.db, this.leases, limit, owner);
  nextDispatch: Store['nextDispatch'] = async (partition) => (await dispatches.nextDispatches(this.db, partition, 1))[0];
  nextDispatches: Store['nextDispatches'] = (partition, limit) => dispatches.nextDispatches(this.db, partition, limit);
  dispatchesOf: Store['dispatchesOf'] = (deliveryIds) => dispatches.dispatchesOf(this.db, deliveryIds);
  completeDispatch: Store['completeDispatch'] = (done) => dispatches.completeDispatch(this.db, done);
  failDispatch: Store['failDispatch'] = (id, error, giveUp, runs) => dispatches.failDispatch(this.db, id, error, giveUp, runs);
  claimPartition: Store['claimPartition'] = (partition, owner, ttlMs) => this.leases.claim(partition, owner, ttlMs);
  renewPartition: Store['renewPartition'] = (partition, owner, ttlMs) => this.leases.renew(partition, owner, ttlMs);
  releasePartition: Store['releasePartition'] = (partition, owner) => this.leases.release(partition, owner);

  // outbox (outbox.ts)
  dueOutbox: Store['dueOutbox'] = (now, limit) => outbox.dueOutbox(this.db, now, limit);
  dueOutboxOf: Store['dueOutboxOf'] = (conversationId, now, limit) => outbox.dueOutboxOf(this.db, conversationId, now, limit);
  nextOutboxAt: Store['nextOutboxAt'] = (after) => outbox.nextOutboxAt(this.db, after);
  outboxInterrupted: Store['outboxInterrupted'] = (owner) => outbox.outboxInterrupted(this.db, owner);
  outboxItem: Store['outboxItem'] = (id) => outbox.outboxItem(this.db, id);
  outboxMarkSending: Store['outboxMarkSending'] = (id, owner, ref) => outbox.outboxMarkSending(this.db, id, owner, ref);
  outboxMarkSent: Store['outboxMarkSent'] = (id, result) => outbox.outboxMarkSent(this.db, id, result);
  outboxMarkRetry: Store['outboxMarkRetry'] = (id, error, at) => outbox.outboxMarkRetry(this.db, id, error, at);
  outboxMarkDead: Store['outboxMarkDead'] = (id, error, maybeDelivered) => outbox.outboxMarkDead(this.db, id, error, maybeDelivered);
  outboxSentIds: Store['outboxSentIds'] = (conversationId, afterOrderKey) => outbox.outboxSentIds(this.db, conversationId, afterOrderKey);
  outboxRequeueDead: Store['outboxRequeueDead'] = (ids) => outbox.outboxRequeueDead(this.db, ids);
  listDeadLetters: Store['listDeadLetters'] = () => outbox.listDeadLetters(this.db);

  // reads, health and cursors (reads.ts)
  getConversation: Store['getConversation'] = (id) => reads.getConversation(this.db, id);
  scene: Store['scene'] = (q) => reads.scene(this.db, q);
  findConversation: Store['findConversation'] = (ref) => reads.findConversation(this.db, ref);
  listConversations: Store['listConversations'] = (filter) => reads.listConversations(this.db, filter);
  listMessages: Store['listMessages'] = (conversationId, opts) => reads.listMessages(this.db, conversationId, opts);
  getMessage: Store['getMessage'] = (id) => reads.getMessage(this.db, id);
  findMessage: Store['findMessage'] = (provider, externalId) => reads.findMessage(this.db, provider, externalId);
  getParticipant: Store['getParticipant'] = (provider, externalId) => reads.getParticipant(this.db, provider, externalId);
  botStorageGet: Store['botStorageGet'] = (bot, keys) => botStorage.botStorageGet(this.db, bot, keys);
  botStoragePut: Store['botStoragePut'] = (bot, entries) => botStorage.botStoragePut(this.db, bot, entries);
  botStorageAdd: Store['botStorageAdd'] = (bot, key, n) => botStorage.botStorageAdd(this.db, bot, key, n);
  botWarnings: Store['botWarnings'] = (since) => botStorage.botWarnings(this.db, since);
  getBotState: Store['getBotState'] = (conversationId, bot) => reads.getBotState(this.db, conversationId, bot);
  pendingChoices: Store['pendingChoices'] = (conversationId) => reads.pendingChoices(this.db, conversationId);
  setConversationStatus: Store['setConversationStatus'] = (conversationId, status) => reads.setConversationStatus(this.db, conversationId, status);
  mergeConversationAddress: Store['mergeConversationAddress'] = (conversationId, patch) => reads.mergeConversationAddress(this.db, conversationId, patch);
  health: Store['health'] = () => reads.health(this.db);
  recordPoll: Store['recordPoll'] = (provider, at) => reads.recordPoll(this.db, provider, at);
  getCursor: Store['getCursor'] = (key) => reads.getCursor(this.db, key);
  setCursor: Store['setCursor'] = (key, value) => reads.setCursor(this.db, key, value);
}

import type { Logger } from 'winston';
import type { Bot } from '../bots/define';
import { loadRoutes, prepareRoutes } from '../bots/config';
import { BotRuntime, type BotRoute, type ProviderInfo } from '../bots/runtime';
import { botStorage } from '../bots/storage';
import type { Config } from '../config/env';
import { Dispatcher } from '../pipeline/dispatcher';
import { Ingest } from '../pipeline/ingest';
import { instanceId, Leader } from '../pipeline/lease';
import { Outbox } from '../outbox/outbox';
import { Pacer } from '../outbox/pacing';
import { Processor } from '../pipeline/processor';
import { Retention } from '../pipeline/retention';
import { enabledAdapters } from '../providers';
import type { ProviderAdapter, ProviderClient, ProviderRuntime, SendPacing } from '../providers/types';
import { openStore, type StoreOptions } from '../store';
import type { ApplyStats, Store } from '../store/types';
import { reportWriteProblems } from './store-state';

export interface EngineOptions {
  log: Logger;
  /** Bots to run instead of loading BOTS from bots/ (tests, embedding). */
  bots?: Bot[];
  routes?: BotRoute[];
  providers?: ProviderAdapter[];
  /** How this engine opens its store (SQLite: the write lock it shares with the receiving thread). */
  storeOptions?: StoreOptions;
  /** Called for every reply a provider accepted (the replies-sent metric). */
  onReplySent?: (provider: string) => void;
}

/**
 * Everything after the durable 200: processing stored deliveries, bot runs, the outbox and the
 * provider pollers. It runs next to the HTTP receiver (createSwitchboard) or on a thread of its own
 * (PROCESSING_THREAD, src/app/threaded-switchboard.ts); either way it learns of new deliveries only through the
 * store and `kick()`, so nothing it does depends on which thread stored them.
 */
export interface Engine {
  store: Store;
  adapters: Map<string, ProviderAdapter>;
  routes: BotRoute[];
  /** Stores deliveries and kicks processing (pollers and an in-thread receiver use it). */
  ingest: Ingest;
  /** New deliveries were committed (by any thread): process them. */
  kick(): void;
  /** Deliveries were applied outside the processor (a replay): run the bots they started. */
  applied(stats: ApplyStats): void;
  /** Start leader election, pollers and the first scans; idempotent. */
  start(): Promise<void>;
  /** Resolves when every stored delivery is processed and every due reply attempted (tests). */
  idle(): Promise<void>;
  /** Finish started bot runs and sends (nothing new starts), then close the store. */
  stop(): Promise<void>;
}

export async function createEngine(config: Config, opts: EngineOptions): Promise<Engine> {
  const log = opts.log;
  const adapters = enabledAdapters(config, opts.providers);
  const routes =
    opts.routes ??
    (opts.bots
      ? await prepareRoutes(
          opts.bots.map((bot) => ({ bot })),
          config,
          log,
        )
      : (await loadRoutes(config, log.child({ component: 'bots' }))).routes);

  const store = await openStore(config, opts.storeOptions);
  await store.migrate();

  const clients = new Map<string, ProviderClient>();
  const info = new Map<string, ProviderInfo>();
  for (const a of adapters.values()) {
    const client = a.capabilities.reply ? a.createClient?.(config, log.child({ provider: a.name })) : undefined;
    if (client) clients.set(a.name, client);
    else if (a.capabilities.reply) log.warn(`${a.title}: replies disabled until its API credentials are set`, { provider: a.name });
    info.set(a.name, {
      reply: !!client,
      buttons: !!a.capabilities.buttons,
      ...(client?.typing ? { typing: client.typing.bind(client) } : {}),
      maxTextLength: a.maxTextLength,
      whyNot: a.capabilities.reply && !client ? 'its API credentials are not set' : undefined,
    });
  }

  // Several instances may share a PostgreSQL database: this one's name on the leases it takes.
  const lease = { owner: instanceId(), ttlMs: config.SWITCHBOARD_LEASE_MS };
  const leader = new Leader(store, lease, log.child({ component: 'leader' }));
  const pacing = new Map<string, SendPacing>();
  for (const a of adapters.values()) if (a.pacing) pacing.set(a.name, a.pacing(config));
  const outbox = new Outbox(
    store,
    clients,
    new Pacer(pacing),
    log.child({ component: 'outbox' }),
    { maxAttempts: config.OUTBOX_MAX_ATTEMPTS, baseDelayMs: config.OUTBOX_RETRY_BASE_MS, maxInFlight: config.OUTBOX_CONCURRENCY, lease },
    (provider) => opts.onReplySent?.(provider),
  );
  // Status events for messages never seen: the provider's poller fetches what the webhook missed.
  const unknownStatusListeners = new Map<string, ((ids: string[]) => void)[]>();
  const runtime = new BotRuntime(store, routes, info, log.child({ component: 'bots' }), config);
  const dispatcher = new Dispatcher(store, runtime, log.child({ component: 'dispatch' }), (items) => outbox.offer(items), 64, lease);
  const applied = (stats: ApplyStats) => {
    if (stats.partitions.size > 0) dispatcher.offer(stats.partitions);
    const byProvider = new Map<string, string[]>();
    for (const u of stats.unknownStatuses) byProvider.set(u.provider, [...(byProvider.get(u.provider) ?? []), u.messageExternalId]);
    for (const [provider, ids] of byProvider) for (const listener of unknownStatusListeners.get(provider) ?? []) listener(ids);
  };
  const processor = new Processor(store, adapters, config, log.child({ component: 'process' }), applied);
  const ingest = new Ingest(store, () => processor.kick());
  const retention = new Retention(store, log.child({ component: 'retention' }), {
    days: config.DELIVERY_RETENTION_DAYS,
    active: () => !store.shared || leader.isLeader(),
  });

  const abort = new AbortController();
  let started = false;
  let sweep: NodeJS.Timeout | undefined;

  /**
   * Sends a stop interrupted (this process's last run, or a dead instance's) are settled in the
   * background, since asking a provider may be slow; until then they block only their own
   * conversation's queue.
   */
  const paused = () => !!store.writeProblem?.();
  const recoverInterrupted = () => {
    if (paused()) return;
    void outbox
      .recover()
      .then((r) => {
        if (r.dead > 0) log.warn(`${r.dead} replies interrupted mid-send could not be confirmed; dead-lettered for review (npm run cli -- outbox list)`);
        if (r.confirmed + r.resent > 0) outbox.kick();
      })
      .catch((err) => {
        if (!paused()) log.warn('recovering interrupted sends failed; will retry', { err });
      });
  };

  // Processing, bot runs, the outbox and the pollers pause while the store cannot write (each
  // skips its passes); once a write commits again they all look for their work.
  reportWriteProblems(store, log);
  store.onWriteProblem?.((problem) => {
    if (problem !== undefined || abort.signal.aborted) return;
    processor.kick();
    dispatcher.kick();
    outbox.kick();
    recoverInterrupted();
  });

  const start = async () => {
    if (started) return;
    started = true;
    await leader.start();
    if (store.shared) {
      log.info('sharing the database with any other instances', { instance: lease.owner, leaseMs: lease.ttlMs });
      sweep = setInterval(
        () => {
          recoverInterrupted();
          processor.kick();
          dispatcher.kick();
          outbox.kick();
        },
        Math.max(50, Math.floor(lease.ttlMs / 2)),
      );
      sweep.unref();
    }
    processor.kick();
    dispatcher.kick();
    outbox.kick();
    recoverInterrupted();
    retention.start();
    // Bots' own start-up work (e.g. the assistant indexing its knowledge), in the background.
    for (const route of routes) {
      if (!route.bot.start) continue;
      const blog = log.child({ bot: route.bot.name });
      void Promise.resolve()
        .then(() =>
          route.bot.start!({
            options: (route.options ?? {}) as Record<string, unknown>,
            config,
            log: blog,
            storage: botStorage(store, route.bot.name),
            progress: (message, meta) => blog.info(message, meta),
          }),
        )
        .catch((err) => blog.error(`bot ${route.bot.name} failed to start its background work`, { err }));
    }
    for (const a of adapters.values()) {
      if (!a.start) continue;
      const rt: ProviderRuntime = {
        config,
        log: log.child({ provider: a.name }),
        ingest: async (deliveries) => {
          const out = await ingest.append(a.name, deliveries);
          const duplicates = out.filter((o) => o.duplicate).length;
          return { stored: out.length - duplicates, duplicates };
        },
        getCursor: (k) => store.getCursor(`${a.name}:${k}`),
        setCursor: (k, v) => store.setCursor(`${a.name}:${k}`, v),
        recordPoll: () => store.recordPoll(a.name, new Date().toISOString()),
        recentConversations: async (since, limit) =>
          (await store.listConversations({ provider: a.name, limit })).filter((c) => c.lastMessageAt !== null && c.lastMessageAt >= since),
        onUnknownStatuses: (listener) => unknownStatusListeners.set(a.name, [...(unknownStatusListeners.get(a.name) ?? []), listener]),
        isLeader: () => leader.isLeader(),
        storePaused: paused,
        signal: abort.signal,
      };
      await a.start(rt);
    }
  };

  return {
    store,
    adapters,
    routes,
    ingest,
    kick: () => processor.kick(),
    applied,
    start,
    async idle() {
      await start();
      for (let i = 0; i < 2000; i++) {
        await processor.drain();
        await new Promise((r) => setTimeout(r, 2));
        const pending = await store.pendingDeliveries(1, 0);
        if (pending.length === 0 && !dispatcher.busy && !outbox.busy && (await store.pendingPartitions(1)).length === 0) return;
      }
    },
    async stop() {
      abort.abort();
      if (sweep) clearInterval(sweep);
      for (const a of adapters.values()) await a.stop?.();
      // Drain: bot runs and sends already started finish (main.ts bounds the wait); nothing new starts.
      dispatcher.stop();
      outbox.stop();
      await Promise.all([processor.drain(), dispatcher.drained(), outbox.drained(), retention.stop()]);
      await leader.stop();
      await store.close();
    },
  };
}

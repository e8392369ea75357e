import express, { type NextFunction, type Request, type Response } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'winston';
import type { Bot } from './bots/define';
import { loadRoutes, prepareRoutes } from './bots/config';
import { BotRuntime, type BotRoute, type ProviderInfo } from './bots/runtime';
import type { Config } from './config/env';
import { adminRouter } from './http/admin';
import { createMetrics } from './http/metrics';
import { webhookRouter } from './http/webhooks';
import { createLogger, secretsOf } from './log';
import { Dispatcher } from './pipeline/dispatcher';
import { instanceId, Leader } from './pipeline/lease';
import { Ingest } from './pipeline/ingest';
import { Outbox } from './pipeline/outbox';
import { Pacer } from './pipeline/pacing';
import { Processor } from './pipeline/processor';
import { PROVIDERS } from './providers';
import { isEnabled, type ProviderAdapter, type ProviderClient, type ProviderRuntime, type SendPacing } from './providers/types';
import { openStore } from './store';
import type { Store } from './store/types';

export interface SwitchboardOptions {
  log?: Logger;
  /** Bots to run instead of loading BOTS from bots/ (tests, embedding). */
  bots?: Bot[];
  routes?: BotRoute[];
  providers?: ProviderAdapter[];
}

export interface Switchboard {
  app: express.Express;
  store: Store;
  log: Logger;
  config: Config;
  adapters: Map<string, ProviderAdapter>;
  /** The bot routes in the order they run (from BOTS or the bots config file). */
  routes: BotRoute[];
  listen(port?: number): Promise<{ port: number; server: Server }>;
  /** Resolves when every stored delivery is processed and every due reply attempted (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Wire the pipeline: receive → ingest → process → dispatch → outbox. */
export async function createSwitchboard(config: Config, opts: SwitchboardOptions = {}): Promise<Switchboard> {
  const log = opts.log ?? createLogger({ level: config.LOG_LEVEL, secrets: secretsOf(config) });
  const adapters = new Map((opts.providers ?? PROVIDERS).filter((p) => isEnabled(p, config)).map((p) => [p.name, p]));
  const routes =
    opts.routes ?? (opts.bots ? await prepareRoutes(opts.bots.map((bot) => ({ bot })), config, log) : (await loadRoutes(config, log.child({ component: 'bots' }))).routes);

  const store = await openStore(config);
  await store.migrate();

  const clients = new Map<string, ProviderClient>();
  const info = new Map<string, ProviderInfo>();
  for (const a of adapters.values()) {
    const client = a.capabilities.reply ? a.createClient?.(config, log.child({ provider: a.name })) : undefined;
    if (client) clients.set(a.name, client);
    else if (a.capabilities.reply) log.warn(`${a.title}: replies disabled until its API credentials are set`, { provider: a.name });
    info.set(a.name, { reply: !!client, maxTextLength: a.maxTextLength, whyNot: a.capabilities.reply && !client ? 'its API credentials are not set' : undefined });
  }

  const metrics = createMetrics(store);
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
    { maxAttempts: config.OUTBOX_MAX_ATTEMPTS, baseDelayMs: config.OUTBOX_RETRY_BASE_MS, lease },
    (provider) => metrics.repliesSent.inc({ provider }),
  );
  // Status events for messages never seen: the provider's poller fetches what the webhook missed.
  const unknownStatusListeners = new Map<string, ((ids: string[]) => void)[]>();
  const runtime = new BotRuntime(store, routes, info, log.child({ component: 'bots' }), config);
  const dispatcher = new Dispatcher(store, runtime, log.child({ component: 'dispatch' }), (items) => outbox.offer(items), 64, lease);
  const processor = new Processor(store, adapters, config, log.child({ component: 'process' }), (stats) => {
    if (stats.partitions.size > 0) dispatcher.offer(stats.partitions);
    const byProvider = new Map<string, string[]>();
    for (const u of stats.unknownStatuses) byProvider.set(u.provider, [...(byProvider.get(u.provider) ?? []), u.messageExternalId]);
    for (const [provider, ids] of byProvider) for (const listener of unknownStatusListeners.get(provider) ?? []) listener(ids);
  });
  const ingest = new Ingest(store, () => processor.kick());

  const app = express();
  app.disable('x-powered-by');
  // No ETag: answers to webhooks and admin calls are never revalidated, and hashing every body cost CPU per request.
  app.set('etag', false);
  app.set('trust proxy', config.TRUST_PROXY);
  app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(webhookRouter({ config, adapters, ingest, metrics, log }));
  app.use(adminRouter({ config, store, enabledProviders: [...adapters.keys()] }));
  app.use((_req, res) => res.status(404).json({ error: 'not found' }));
  app.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') return res.status(413).json({ error: `body larger than BODY_LIMIT (${config.BODY_LIMIT} bytes)` });
    if (err.status && err.status >= 400 && err.status < 500) return res.status(err.status).json({ error: err.message });
    log.error('request failed', { err, path: req.path });
    res.status(500).json({ error: 'internal error' });
  });

  const abort = new AbortController();
  let server: Server | undefined;
  let started = false;
  let sweep: NodeJS.Timeout | undefined;

  /**
   * Sends a stop interrupted (this process's last run, or a dead instance's) are settled in the
   * background, since asking a provider may be slow; until then they block only their own
   * conversation's queue.
   */
  const recoverInterrupted = () =>
    void outbox
      .recover()
      .then((r) => {
        if (r.dead > 0) log.warn(`${r.dead} replies interrupted mid-send could not be confirmed; dead-lettered for review (npm run cli -- outbox list)`);
        if (r.confirmed + r.resent > 0) outbox.kick();
      })
      .catch((err) => log.warn('recovering interrupted sends failed; will retry', { err }));

  const startBackground = async () => {
    if (started) return;
    started = true;
    await leader.start();
    if (store.dialect === 'postgres') {
      log.info('sharing the database with any other instances', { instance: lease.owner, leaseMs: lease.ttlMs });
      sweep = setInterval(() => {
        recoverInterrupted();
        processor.kick();
        dispatcher.kick();
        outbox.kick();
      }, Math.max(50, Math.floor(lease.ttlMs / 2)));
      sweep.unref();
    }
    processor.kick();
    dispatcher.kick();
    outbox.kick();
    recoverInterrupted();
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
        signal: abort.signal,
      };
      await a.start(rt);
    }
  };

  return {
    app,
    store,
    log,
    config,
    adapters,
    routes,
    async listen(port = config.PORT) {
      await startBackground();
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(port, '0.0.0.0', () => resolve(s));
        s.once('error', reject);
      });
      server.keepAliveTimeout = 65_000;
      return { port: (server.address() as AddressInfo).port, server };
    },
    async idle() {
      await startBackground();
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
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      server?.closeAllConnections?.();
      // Drain: bot runs and sends already started finish (main.ts bounds the wait); nothing new starts.
      dispatcher.stop();
      outbox.stop();
      await Promise.all([processor.drain(), dispatcher.drained(), outbox.drained()]);
      await leader.stop();
      await store.close();
    },
  };
}

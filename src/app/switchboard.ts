import express, { type NextFunction, type Request, type Response } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'winston';
import type { Bot } from '../bots/define';
import type { BotRoute } from '../bots/runtime';
import type { Config } from '../config/env';
import { createEngine } from './engine';
import { adminRouter } from '../admin/api';
import { createConsole } from '../console';
import { providerCalls } from './provider-calls';
import { createMetrics, type Metrics } from '../admin/metrics';
import { webhookRouter } from '../receive/webhooks';
import { createLogger, secretsOf } from '../base/log';
import type { Ingest } from '../pipeline/ingest';
import type { ProviderAdapter } from '../providers/types';
import type { ApplyStats, Store } from '../store/types';

export interface SwitchboardOptions {
  log?: Logger;
  /** Bots to run instead of loading BOTS from bots/ (tests, embedding). */
  bots?: Bot[];
  routes?: BotRoute[];
  providers?: ProviderAdapter[];
}

/** A started server, on one thread (createSwitchboard) or two (createThreadedSwitchboard). */
export interface RunningSwitchboard {
  /** This thread's store: webhooks and admin reads. */
  store: Store;
  adapters: Map<string, ProviderAdapter>;
  /** The bots that run, in route order. */
  botNames: string[];
  listen(port?: number): Promise<{ port: number; server: Server }>;
  /** Resolves when every stored delivery is processed and every due reply attempted (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface Switchboard extends RunningSwitchboard {
  app: express.Express;
  log: Logger;
  config: Config;
  /** The bot routes in the order they run (from BOTS or the bots config file). */
  routes: BotRoute[];
}

/** Wire the pipeline in this thread: receive → ingest → process → dispatch → outbox. */
export async function createSwitchboard(config: Config, opts: SwitchboardOptions = {}): Promise<Switchboard> {
  const log = opts.log ?? createLogger({ level: config.LOG_LEVEL, secrets: secretsOf(config) });
  let metrics: Metrics | undefined;
  const engine = await createEngine(config, { ...opts, log, onReplySent: (provider) => metrics?.repliesSent.inc({ provider }) });
  metrics = createMetrics(engine.store);
  const app = createApp(config, { log, adapters: engine.adapters, ingest: engine.ingest, store: engine.store, metrics, onReplayed: engine.applied });
  let server: Server | undefined;
  return {
    app,
    store: engine.store,
    log,
    config,
    adapters: engine.adapters,
    routes: engine.routes,
    botNames: engine.routes.map((r) => r.bot.name),
    async listen(port = config.PORT) {
      await engine.start();
      server = await listenOn(app, port, config);
      return { port: (server.address() as AddressInfo).port, server };
    },
    idle: () => engine.idle(),
    async stop() {
      if (server) await closeServer(server, app);
      await engine.stop();
    },
  };
}

/** The HTTP side: health, metrics, webhooks (stored through `ingest` before the 200) and the admin API. */
export function createApp(
  config: Config,
  deps: { log: Logger; adapters: Map<string, ProviderAdapter>; ingest: Ingest; store: Store; metrics: Metrics; onReplayed?: (stats: ApplyStats) => void },
): express.Express {
  const { log, adapters, ingest, store, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  // No ETag: answers to webhooks and admin calls are never revalidated, and hashing every body cost CPU per request.
  app.set('etag', false);
  app.set('trust proxy', config.TRUST_PROXY);
  // Liveness and readiness differ: a store that cannot write is no reason to restart the process
  // (it resumes by itself), but it is one to send webhooks elsewhere. /healthz answers 200 while
  // the process serves and says whether it is ready; /readyz answers 503 while it is not.
  const readiness = () => {
    const problem = store.writeProblem?.();
    return problem ? { ready: false, store: `cannot write (${problem})` } : { ready: true };
  };
  app.get('/healthz', (_req, res) => res.json({ status: 'ok', ...readiness() }));
  app.get('/readyz', (_req, res) => {
    const r = readiness();
    if (!r.ready) res.status(503).set('Retry-After', '5');
    res.json({ status: r.ready ? 'ready' : 'not ready', ...r });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(webhookRouter({ config, adapters, ingest, metrics, log, store }));
  const operatorConsole = createConsole({ config, store, log, providers: [...adapters.keys()] });
  app.use(operatorConsole.front);
  // Live streams never end by themselves: closeServer ends them first, or a stop waits for every open console tab.
  app.locals.endStreams = operatorConsole.stop;
  app.use(
    adminRouter({
      config,
      store,
      enabledProviders: [...adapters.keys()],
      providerCalls: (name) => providerCalls(adapters.get(name), config),
      adapters,
      log,
      onReplayed: deps.onReplayed,
      routes: operatorConsole.api,
    }),
  );
  app.use((_req, res) => res.status(404).json({ error: 'not found' }));
  app.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') return res.status(413).json({ error: `body larger than BODY_LIMIT (${config.BODY_LIMIT} bytes)` });
    if (err.status && err.status >= 400 && err.status < 500) return res.status(err.status).json({ error: err.message });
    log.error('request failed', { err, path: req.path });
    res.status(500).json({ error: 'internal error' });
  });

  return app;
}

/**
 * The HTTP server with its timeouts set on purpose (Node's defaults hold a slow client for a
 * minute, a slow body for five): a connection still sending its headers after
 * HTTP_HEADERS_TIMEOUT_MS, or its request after HTTP_REQUEST_TIMEOUT_MS, is answered 408 and
 * closed, checked every second; an idle keep-alive connection closes after
 * HTTP_KEEPALIVE_TIMEOUT_MS (longer than a load balancer's usual 60 s idle timeout, so the balancer
 * closes first and never reuses a connection the server is closing). Slow or idle connections
 * cost a socket each and never hold a request that has arrived.
 */
export async function listenOn(
  app: express.Express,
  port: number,
  timeouts: Pick<Config, 'HTTP_HEADERS_TIMEOUT_MS' | 'HTTP_REQUEST_TIMEOUT_MS' | 'HTTP_KEEPALIVE_TIMEOUT_MS'>,
): Promise<Server> {
  const server = createServer(
    {
      headersTimeout: timeouts.HTTP_HEADERS_TIMEOUT_MS,
      // Node requires requestTimeout >= headersTimeout when both are set.
      requestTimeout: Math.max(timeouts.HTTP_REQUEST_TIMEOUT_MS, timeouts.HTTP_HEADERS_TIMEOUT_MS),
      connectionsCheckingInterval: Math.min(1000, timeouts.HTTP_HEADERS_TIMEOUT_MS),
    },
    app,
  );
  server.keepAliveTimeout = timeouts.HTTP_KEEPALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Stop accepting, end the console's live streams, let requests in flight finish (their deliveries are being stored), drop idle connections. */
export async function closeServer(server: Server, app?: express.Express): Promise<void> {
  const closed = new Promise<void>((r) => server.close(() => r()));
  (app?.locals.endStreams as (() => void) | undefined)?.();
  await closed;
  server.closeAllConnections?.();
}

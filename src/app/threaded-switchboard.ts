import type { Server } from 'node:http';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'winston';
import { ConfigError, type Config } from '../config/env';
import { createMetrics } from '../admin/metrics';
import { Ingest } from '../pipeline/ingest';
import { enabledAdapters } from '../providers';
import { compiled, packageRoot } from '../base/paths';
import { closeServer, createApp, listenOn, type RunningSwitchboard } from './switchboard';
import { openStore } from '../store';
import { reportWriteProblems } from './store-state';
import { type ApiCallState, applyApiCallState } from '../providers/api-calls';

/**
 * `npm start` with PROCESSING_THREAD=on (the default): two threads, one store.
 *
 * - This thread receives: Express, the providers' checks, and the durable commit of each webhook
 *   on its own connection, then the 200. It also answers /metrics and the admin API.
 * - The processing thread (src/app/processing-thread.ts) does everything after the 200 (processing, bots,
 *   the outbox, pollers) on a second connection, told of new deliveries by a `kick` message.
 *
 * Nothing but the store carries a delivery from one to the other, so the guarantees are those of
 * one thread: a webhook is answered 200 only after its commit, and a crash of either thread loses
 * nothing (what was stored is processed at the next start). On SQLite the two connections share
 * a write lock (store/sqlite/write-lock.ts) that webhooks take first; on PostgreSQL each thread
 * has its own pool (this one small: it only stores webhooks and reads for the admin API).
 *
 * Why: on one thread a webhook waited behind every bot run, reply and fsync sharing its event loop.
 */
export interface WorkerData {
  writeLock?: SharedArrayBuffer;
}
export type ToWorker = { t: 'kick' } | { t: 'idle'; id: number } | { t: 'stop' };
export type FromWorker =
  | { t: 'ready'; bots: string[] }
  | { t: 'fatal'; message: string; config?: { variable: string; problem: string } }
  | { t: 'sent'; counts: Record<string, number> }
  | { t: 'api'; state: ApiCallState }
  | { t: 'idle'; id: number }
  | { t: 'stopped' };

/**
 * The processing thread's heap limits, for `new Worker`: a young generation capped below V8's
 * default for a high allocation rate, which kept the same throughput at less RSS (BENCHMARKS.md).
 * npm start's --max-semi-space-size is meant for the receiving thread, but V8 reads it for every
 * isolate created later too, over these limits, and the processing thread then spent far more of
 * its time collecting. So the flag is cleared first; this thread's own heap was sized when it started.
 */
export function processingThreadLimits(): { maxYoungGenerationSizeMb: number } {
  setFlagsFromString('--max-semi-space-size=0');
  return { maxYoungGenerationSizeMb: 16 };
}

/**
 * The processing thread. From dist/ (`npm start`) it is plain JavaScript; from the sources a worker
 * does not inherit tsx's hooks (Node 20), so it registers tsx itself, then loads the entry.
 */
function startWorker(data: WorkerData): Worker {
  const options = { workerData: data, resourceLimits: processingThreadLimits() };
  if (compiled) return new Worker(join(packageRoot, 'dist', 'src', 'app', 'processing-thread.js'), options);
  const entry = new URL('./processing-thread.ts', import.meta.url);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}

export async function createThreadedSwitchboard(config: Config, opts: { log: Logger; onFatal: (err: Error) => void }): Promise<RunningSwitchboard> {
  const { log } = opts;
  const adapters = enabledAdapters(config);
  const writeLock = config.DATABASE_URL ? undefined : new SharedArrayBuffer(8);
  const store = await openStore(config, { writeLock, poolMax: 4 });
  await store.migrate();
  reportWriteProblems(store, log);

  const worker = startWorker({ writeLock });
  const idleWaiters = new Map<number, () => void>();
  let idleSeq = 0;
  let stopping = false;
  let stopped: (() => void) | undefined;
  const metrics = createMetrics(store);

  const ready = new Promise<string[]>((resolve, reject) => {
    let started = false;
    // Before 'ready' a failure is start-up's to report (a ConfigError exits 78); after it, onFatal's.
    const fail = (err: Error) => {
      if (!started) reject(err);
      else if (!stopping) opts.onFatal(err);
    };
    worker.on('message', (m: FromWorker) => {
      switch (m.t) {
        case 'ready':
          started = true;
          return resolve(m.bots);
        case 'fatal':
          return fail(m.config ? new ConfigError(m.config.variable, m.config.problem) : new Error(`processing thread failed: ${m.message}`));
        case 'api':
          return applyApiCallState(m.state); // the provider calls happen there; /api/health answers here
        case 'sent':
          for (const [provider, n] of Object.entries(m.counts)) metrics.repliesSent.inc({ provider }, n);
          return;
        case 'idle':
          idleWaiters.get(m.id)?.();
          idleWaiters.delete(m.id);
          return;
        case 'stopped':
          return stopped?.();
      }
    });
    worker.on('error', (err) => fail(Object.assign(new Error(`processing thread crashed: ${err.message}`), { cause: err })));
    worker.on('exit', (code) => {
      stopped?.();
      if (!stopping) fail(new Error(`processing thread exited (code ${code})`));
    });
  });

  let bots: string[];
  try {
    bots = await ready;
  } catch (err) {
    stopping = true;
    await worker.terminate();
    await store.close();
    throw err;
  }

  // Commits come in groups; one message per group is enough for the processor to look again.
  const ingest = new Ingest(store, () => worker.postMessage({ t: 'kick' } satisfies ToWorker));
  const app = createApp(config, { log, adapters, ingest, store, metrics });
  let server: Server | undefined;

  return {
    store,
    adapters,
    botNames: bots,
    async listen(port = config.PORT) {
      server = await listenOn(app, port, config);
      return { port: (server.address() as AddressInfo).port, server };
    },
    idle() {
      const id = ++idleSeq;
      return new Promise<void>((resolve) => {
        idleWaiters.set(id, resolve);
        worker.postMessage({ t: 'idle', id } satisfies ToWorker);
      });
    },
    async stop() {
      stopping = true;
      // Webhooks in flight are stored and answered first; then the processing thread drains.
      if (server) await closeServer(server, app);
      await new Promise<void>((resolve) => {
        stopped = resolve;
        worker.postMessage({ t: 'stop' } satisfies ToWorker);
      });
      await store.close();
    },
  };
}

import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError, loadConfig } from '../config/env';
import { createEngine, type Engine } from './engine';
import { createLogger, secretsOf } from '../base/log';
import { onApiCallChange } from '../providers/api-calls';
import type { FromWorker, ToWorker, WorkerData } from './threaded-switchboard';

/**
 * The processing thread (PROCESSING_THREAD=on, src/app/threaded-switchboard.ts): the engine on its own connection
 * to the store. It reads the same environment as the receiving thread, learns of stored webhooks
 * through `kick` messages and reports replies sent for the metrics.
 */
const port = parentPort!;
const data = workerData as WorkerData;
const post = (m: FromWorker) => port.postMessage(m);

let sent = new Map<string, number>();
const flushSent = () => {
  if (sent.size === 0) return;
  post({ t: 'sent', counts: Object.fromEntries(sent) });
  sent = new Map();
};

async function run(): Promise<void> {
  onApiCallChange((state) => post({ t: 'api', state }));
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.LOG_LEVEL, secrets: secretsOf(config) }).child({ thread: 'processing' });
  let engine: Engine;
  try {
    engine = await createEngine(config, {
      log,
      storeOptions: { writeLock: data.writeLock, deferSync: true },
      onReplySent: (provider) => sent.set(provider, (sent.get(provider) ?? 0) + 1),
    });
    await engine.start();
  } catch (err) {
    post({
      t: 'fatal',
      message: (err as Error)?.message ?? String(err),
      config: err instanceof ConfigError ? { variable: err.variable, problem: err.problem } : undefined,
    });
    return;
  }
  const metrics = setInterval(flushSent, 1000);
  metrics.unref();
  port.on('message', (m: ToWorker) => {
    switch (m.t) {
      case 'kick':
        engine.kick();
        break;
      case 'idle':
        void engine.idle().then(() => post({ t: 'idle', id: m.id }));
        break;
      case 'stop':
        clearInterval(metrics);
        void engine
          .stop()
          .catch((err) => log.error('stopping the processing thread failed', { err }))
          .finally(() => {
            flushSent();
            post({ t: 'stopped' });
            port.close();
          });
        break;
    }
  });
  post({ t: 'ready', bots: engine.routes.map((r) => r.bot.name) });
}

run().catch((err) => post({ t: 'fatal', message: (err as Error)?.stack ?? String(err) }));

import { setFlagsFromString } from 'node:v8';
import { type Config, ConfigError, loadConfig } from './config/env';
import { createLogger, secretsOf } from './base/log';
import { PROVIDERS } from './providers';
import { createSwitchboard, type RunningSwitchboard } from './app/switchboard';
import { createThreadedSwitchboard } from './app/threaded-switchboard';

// Grow the heap by 30 % between full collections instead of V8's default (up to 4x when the
// allocation rate is high): under a steady webhook load RSS grew far past the live heap; with this it
// stays bounded for a few % of CPU (BENCHMARKS.md, Memory). An explicit
// --heap-growing-percent on the command line wins.
if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=30');
// The young generation is sized when V8 starts, so its cap is a flag in package.json's start script
// (`--max-semi-space-size=4`: less RSS under load at the same throughput, BENCHMARKS.md). The processing thread's is set where it is created.

/** `npm start`: read the environment, start the server, say what is enabled and where to point providers. */
async function main() {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}. Fix it in the environment or .env, then start again.\n`);
      process.exit(78);
    }
    throw err;
  }
  const log = createLogger({ level: config.LOG_LEVEL, secrets: secretsOf(config) });
  const threaded = config.PROCESSING_THREAD === 'on' && (!!config.DATABASE_URL || config.DATA_DIR !== ':memory:');
  let sb: RunningSwitchboard;
  try {
    if (threaded) {
      sb = await createThreadedSwitchboard(config, {
        log,
        onFatal: (err) => {
          // The supervisor restarts us; whatever was stored is processed at the next start.
          log.error(`${err.message}; exiting (stored deliveries are processed at the next start)`, { err });
          process.exit(1);
        },
      });
    } else {
      sb = await createSwitchboard(config, { log });
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      log.error(`Configuration error: ${err.message}`);
      process.exit(78);
    }
    throw err;
  }
  const { port } = await sb.listen();
  const base = config.PUBLIC_URL ?? `http://localhost:${port}`;
  const providers = PROVIDERS.map((p) =>
    sb.adapters.has(p.name)
      ? {
          provider: p.name,
          enabled: true,
          webhookUrl: p.webhookSecret(config) ? `${base}/webhooks/${p.name}/<${p.webhookSecretVariable ?? p.enableVariable}>` : undefined,
        }
      : { provider: p.name, enabled: false, enableWith: p.enableVariable },
  );
  log.info(`Switchboard listening on port ${port}`, {
    port,
    store: sb.store.dialect === 'sqlite' ? `sqlite (${config.DATA_DIR})` : 'postgres',
    bots: sb.botNames,
    processing: threaded ? 'own thread' : 'receiving thread',
    providers,
    adminApi: config.ADMIN_TOKEN ? 'enabled' : 'disabled (set ADMIN_TOKEN)',
  });
  for (const p of providers) {
    if (p.enabled) log.info(`provider ${p.provider} enabled; give it this webhook URL: ${p.webhookUrl ?? '(no webhook: polling)'}`);
    else log.info(`provider ${p.provider} disabled (set ${p.enableWith} to enable)`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received; draining in-flight work (at most ${config.SHUTDOWN_TIMEOUT_MS} ms)`);
    const timer = setTimeout(() => {
      log.warn('drain took too long; exiting with work left for the next start');
      process.exit(0);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    await sb.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`Switchboard failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

import { setFlagsFromString } from 'node:v8';
import { type Config, ConfigError, loadConfig } from './config/env';
import { readEnvFile } from './config/env-file';
import { createLogger, secretsOf } from './base/log';
import { version } from './base/version';
import { lockDataDir } from './app/data-dir-lock';
import { describeStartupError } from './app/startup-errors';
import { describeStore } from './store/describe';
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

const HELP = `Switchboard ${version}: a bot server for chat and webinar platforms that talk by webhook.

Usage: npm start            (or: node dist/src/main.js [--help | --version])

Configuration comes from the environment and, for variables it does not set, from a .env file in
the current directory (see .env.example for every variable). The most used:
  PORT=3000              where webhooks, /healthz and the admin API are served
  DATA_DIR=./data        the SQLite store (one server per directory)
  DATABASE_URL=postgres://user:password@host:5432/db   PostgreSQL instead (several servers may share it)
  BOTS=echo              the bots to run (bots/<name>.ts)
  ADMIN_TOKEN=…          turns on the bearer-token admin API /api/* (the console needs an operator: npm run cli -- operators add)
  <PROVIDER>_…           each provider's variables turn it on (npm start says which)

SIGTERM or SIGINT (Ctrl-C) stops it after the work in flight (at most SHUTDOWN_TIMEOUT_MS).
More: README.md. The operator commands: npm run cli -- help
`;

/** --help, --version; anything else on the command line is a mistake worth saying. */
function handleArguments(argv: string[]): void {
  for (const a of argv) {
    if (a === '--version' || a === '-v') {
      process.stdout.write(`${version}\n`);
      process.exit(0);
    }
    if (a === '--help' || a === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    }
  }
  if (argv.length > 0) {
    process.stderr.write(`unknown argument "${argv[0]}"; the server is configured by environment variables (--help lists them)\n`);
    process.exit(64);
  }
}

/** `npm start`: read the environment (and .env), start the server, say what is enabled and where to point providers. */
async function main() {
  handleArguments(process.argv.slice(2));
  const envFile = readEnvFile(process.env);
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      const where = envFile.file ? `the environment or ${envFile.file}` : 'the environment (or a .env file here)';
      process.stderr.write(`Configuration error: ${err.message}. Fix it in ${where}, then start again.\n`);
      process.exit(78);
    }
    throw err;
  }
  const log = createLogger({ level: config.LOG_LEVEL, secrets: secretsOf(config) });
  /** Every start-up failure we can name ends here: one line, a non-zero exit. */
  const failed = (err: unknown): never => {
    if (err instanceof ConfigError) {
      log.error(`Configuration error: ${err.message}`);
      process.exit(78);
    }
    const line = describeStartupError(err, config);
    if (!line) throw err;
    log.error(`Switchboard failed to start: ${line}`);
    process.exit(1);
  };
  const sqliteDir = !config.DATABASE_URL && config.DATA_DIR !== ':memory:' ? config.DATA_DIR : undefined;
  if (sqliteDir) {
    try {
      const lock = lockDataDir(sqliteDir);
      process.on('exit', () => lock.release());
      if (lock.staleFrom) log.warn(`DATA_DIR: took over ${lock.path} left by pid ${lock.staleFrom}, which is no longer running`);
    } catch (err) {
      failed(err);
    }
  }
  const threaded = config.PROCESSING_THREAD === 'on' && (!!config.DATABASE_URL || config.DATA_DIR !== ':memory:');
  let sb!: RunningSwitchboard;
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
    failed(err);
  }
  let port!: number;
  try {
    ({ port } = await sb.listen());
  } catch (err) {
    failed(err);
  }
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
  log.info(`Switchboard ${version} listening on port ${port}`, {
    version,
    port,
    envFile: envFile.file ? `${envFile.file} (${envFile.applied.join(', ') || 'every variable already set'})` : 'none (no .env here)',
    store: describeStore(config),
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

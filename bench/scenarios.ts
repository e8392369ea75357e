import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROVIDERS } from '../src/providers';
import type { BodyKind } from './bodies';
import { SERVER_SCRIPT, startTarget, type Target } from './procs';

/**
 * The receivers compared, each started as its own process on 127.0.0.1 and driven by the same
 * load: (a) bare Express, (b) bare telegraf, (c) Switchboard on SQLite, (d) Switchboard on
 * PostgreSQL. Switchboard is the real server (`npm start`: dist/src/main.js) as shipped
 * (synchronous=FULL, LOG_LEVEL info) with the echo bot.
 */
export type ScenarioId = 'a' | 'b' | 'c' | 'd';

export interface Started {
  target: Target;
  path: string;
  headers: Record<string, string>;
  body: BodyKind;
  /** Whether the receiver sends an echo to the fake provider for every request. */
  replies: boolean;
  cleanup(): Promise<void>;
}

export interface ScenarioContext {
  sinkUrl: string;
  runDir: string;
  /** Extra node flags for Switchboard (e.g. --cpu-prof). */
  nodeArgs: string[];
  logLevel: string;
  /** A PostgreSQL URL for scenario (d), or undefined. */
  postgresUrl?: string;
  createDatabase?: () => Promise<{ url: string; drop(): Promise<void> }>;
}

export const TITLES: Record<ScenarioId, string> = {
  a: 'a bare Express 5 + express.json()',
  b: 'b bare telegraf echo (no storage)',
  c: 'c Switchboard, SQLite',
  d: 'd Switchboard, PostgreSQL',
};

const TOKEN = '123456:bench-bot-token';
const SECRET = 'bench-webhook-secret-1234';

/** The end-to-end workload is a Telegram echo when the Telegram provider is built in, else WAMM. */
export const switchboardProvider = (): 'telegram' | 'wamm' => (PROVIDERS.some((p) => p.name === 'telegram') ? 'telegram' : 'wamm');

function switchboardEnv(ctx: ScenarioContext, provider: 'telegram' | 'wamm'): Record<string, string> {
  const common = { LOG_LEVEL: ctx.logLevel, BOTS: 'echo', ...(JSON.parse(process.env.BENCH_SERVER_ENV ?? '{}') as Record<string, string>) };
  if (provider === 'telegram') {
    // The fake Bot API has no broadcast limit; the real one allows about 30 sends/s (the shipped default).
    return {
      ...common,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: ctx.sinkUrl,
      TELEGRAM_MAX_SENDS_PER_SECOND: process.env.BENCH_TELEGRAM_PER_SECOND ?? '1000000',
    };
  }
  return { ...common, WAMM_WEBHOOK_SECRET: SECRET, WAMM_API_TOKEN: 'bench-wamm-token', WAMM_API_URL: `${ctx.sinkUrl}/api2` };
}

const telegramHeaders = { 'x-telegram-bot-api-secret-token': SECRET };

export async function startScenario(id: ScenarioId, ctx: ScenarioContext, run: number): Promise<Started> {
  const log = join(ctx.runDir, `${id}-${run}.log`);
  switch (id) {
    case 'a': {
      const target = await startTarget('bench/targets/express.ts', {}, log);
      return { target, path: `/webhooks/telegram/${SECRET}`, headers: telegramHeaders, body: 'telegram', replies: false, cleanup: async () => target.stop() };
    }
    case 'b': {
      const env = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: ctx.sinkUrl, TELEGRAM_WEBHOOK_SECRET: SECRET, HOOK_PATH: `/webhooks/telegram/${SECRET}` };
      const target = await startTarget('bench/targets/telegraf.ts', env, log);
      return { target, path: env.HOOK_PATH, headers: telegramHeaders, body: 'telegram', replies: true, cleanup: async () => target.stop() };
    }
    case 'c':
    case 'd': {
      const provider = switchboardProvider();
      const env = switchboardEnv(ctx, provider);
      let dataDir: string | undefined;
      let db: { url: string; drop(): Promise<void> } | undefined;
      if (id === 'c') {
        dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
        Object.assign(env, { DATA_DIR: dataDir });
      } else {
        if (!ctx.createDatabase) throw new Error('no PostgreSQL reachable');
        db = await ctx.createDatabase();
        Object.assign(env, { DATABASE_URL: db.url, DATA_DIR: join(ctx.runDir, 'unused-data') });
      }
      const target = await startTarget(SERVER_SCRIPT, env, log, ctx.nodeArgs);
      return {
        target,
        path: `/webhooks/${provider}/${SECRET}`,
        headers: provider === 'telegram' ? telegramHeaders : {},
        body: provider,
        replies: true,
        cleanup: async () => {
          await target.stop();
          if (dataDir) rmSync(dataDir, { recursive: true, force: true });
          await db?.drop();
        },
      };
    }
  }
}

export const SWITCHBOARD = { token: TOKEN, secret: SECRET, switchboardEnv };

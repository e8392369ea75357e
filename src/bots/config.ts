import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'winston';
import { z } from 'zod';
import { ConfigError, type Config } from '../config/env';
import { describeZodError } from '../base/zod';
import type { Bot } from './define';
import { loadBots } from './loader';
import type { BotRoute, ReplyVia } from './runtime';

/**
 * Bot routing: `BOTS=a,b` for the simple case, or a JSON file (BOTS_CONFIG, default
 * config/bots.json when it exists) listing routes in order, each naming a bot, where it runs, its
 * options and where replies from receive-only providers go. Every mistake stops start-up with one
 * line naming the file and the field.
 */

export const DEFAULT_BOTS_CONFIG = 'config/bots.json';

const id = z.union([z.string().trim().min(1), z.number().int()]).transform(String);

const ReplyViaSchema = z.strictObject({
  provider: z.string().min(1),
  externalId: id,
  label: z.boolean().optional(),
});

const RouteSchema = z.strictObject({
  bot: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'expected a bot name such as "faq" (a file in bots/)'),
  providers: z.array(z.string().min(1)).min(1).optional(),
  conversations: z.array(id).min(1).optional(),
  excludeConversations: z.array(id).min(1).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  replyVia: ReplyViaSchema.optional(),
});

export const BotsConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  routes: z.array(RouteSchema).min(1, 'list at least one route, e.g. [{ "bot": "echo" }]'),
  /** Per receive-only provider: where its bots' replies go unless a route says otherwise. */
  replyVia: z.record(z.string(), ReplyViaSchema).optional(),
});
export type BotsConfig = z.output<typeof BotsConfigSchema>;

/** A route as written by hand: config/bots.json with bot objects instead of names (tests, embedding). */
export interface RouteSpec {
  bot: Bot<any, any>;
  providers?: string[];
  conversations?: (string | number)[];
  excludeConversations?: (string | number)[];
  options?: Record<string, unknown>;
  replyVia?: ReplyVia;
}

/** Read a JSON file and validate it; any problem is one ConfigError naming the file and the field. */
export function readConfigFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  const path = resolve(file);
  if (!existsSync(path)) throw new ConfigError(file, `file not found (looked at ${path})`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, `not valid JSON (${(e as Error).message})`);
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new ConfigError(file, describeZodError(r.error));
  return r.data;
}

/** Validate each route's options with its bot's schema and run the bots' setup, in route order. */
export async function prepareRoutes(
  specs: RouteSpec[],
  config: Config,
  log: Logger,
  opts: { source?: string; replyVia?: Record<string, ReplyVia> } = {},
): Promise<BotRoute[]> {
  const source = opts.source ?? 'routes';
  const routes: BotRoute[] = [];
  for (const [i, spec] of specs.entries()) {
    const where =
      source === 'BOTS'
        ? `bot "${spec.bot.name}" needs options (give them in ${DEFAULT_BOTS_CONFIG}): options`
        : opts.source
          ? `routes.${i}.options`
          : `routes[${i}] (${spec.bot.name}) options`;
    let options: unknown = spec.options ?? {};
    if (spec.bot.options) {
      const r = spec.bot.options.safeParse(options);
      if (!r.success) throw new ConfigError(source, `${where}.${describeZodError(r.error)}`);
      options = r.data;
    }
    await spec.bot.setup?.({ options, config, log: log.child({ bot: spec.bot.name }) });
    routes.push({
      bot: spec.bot,
      providers: spec.providers,
      conversations: spec.conversations?.map(String),
      excludeConversations: spec.excludeConversations?.map(String),
      options,
      replyVia: spec.replyVia,
      replyViaByProvider: opts.replyVia,
    });
  }
  return routes;
}

/** The routes `npm start` runs: from the bots config file when there is one, else from BOTS. */
export async function loadRoutes(config: Config, log: Logger, botsDir?: string): Promise<{ routes: BotRoute[]; source: string }> {
  const file = config.BOTS_CONFIG ?? (existsSync(resolve(DEFAULT_BOTS_CONFIG)) ? DEFAULT_BOTS_CONFIG : undefined);
  if (!file) {
    const bots = await loadBots(config.BOTS, botsDir);
    return {
      routes: await prepareRoutes(
        bots.map((bot) => ({ bot })),
        config,
        log,
        { source: 'BOTS' },
      ),
      source: 'BOTS',
    };
  }
  const parsed = readConfigFile(file, BotsConfigSchema);
  const specs: RouteSpec[] = [];
  for (const [i, r] of parsed.routes.entries()) {
    let bot: Bot;
    try {
      [bot] = (await loadBots([r.bot], botsDir)) as [Bot];
    } catch (e) {
      throw e instanceof ConfigError ? new ConfigError(file, `routes.${i}.bot: ${e.problem}`) : e;
    }
    specs.push({ ...r, bot });
  }
  const routes = await prepareRoutes(specs, config, log, { source: file, replyVia: parsed.replyVia });
  log.info(`bot routes from ${file}: ${routes.map((r) => `${r.bot.name}${r.providers ? ` (${r.providers.join(', ')})` : ''}`).join(' → ')}`);
  return { routes, source: file };
}

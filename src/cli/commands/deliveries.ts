import { loadRoutes } from '../../bots/config';
import { BotRuntime, type ProviderInfo } from '../../bots/runtime';
import type { Config } from '../../config/env';
import { createLogger, secretsOf } from '../../base/log';
import { describeZodError } from '../../base/zod';
import { deliveryDetailJson, DeliveryQuery, MAX_PAGE } from '../../admin/deliveries';
import { deliveryEvents, describeReplay, replayDeliveries } from '../../pipeline/delivery-log';
import { dryRunReplay } from '../../pipeline/dry-run';
import { enabledAdapters } from '../../providers';
import type { DeliveryStatus, Store } from '../../store/types';
import { withStore } from '../open-store';
import { UsageError, type CommandGroup } from '../types';

/**
 * `npm run cli -- deliveries list|show|replay|discard`: the delivery log from the command line,
 * the same views and actions as /api/deliveries. Replay normalizes stored deliveries again with
 * this code through the same dedupe, so it is safe to repeat; a running server runs the bots on
 * what a replay stored within about a second (its idle scan). `--dry-run` runs the bots with the
 * outbox diverted and prints the replies that would go out.
 */

const print = (s: string) => process.stdout.write(s + '\n');
const progress = (s: string) => process.stderr.write(s + '\n');

/** `--name value` and `--flag` options, and the rest as positional arguments. */
function parse(argv: string[], valued: string[], flags: string[] = []) {
  const options: Record<string, string> = {};
  const set = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.replace(/^--/, '');
    if (a.startsWith('--') && valued.includes(name)) {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      options[name] = v;
    } else if (a.startsWith('--') && flags.includes(name)) set.add(name);
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else rest.push(a);
  }
  return { options, flags: set, rest };
}

function query(options: Record<string, string>, limit?: number) {
  const q = DeliveryQuery.safeParse({ ...options, ...(limit ? { limit: String(limit) } : {}) });
  if (!q.success) throw new UsageError(describeZodError(q.error));
  return { ...q.data, status: q.data.status as DeliveryStatus | undefined };
}

function idsOf(rest: string[]): number[] {
  return rest.map((a) => {
    if (!/^\d+$/.test(a)) throw new UsageError(`"${a}" is not a delivery id (see npm run cli -- deliveries list)`);
    return Number(a);
  });
}

/** Every delivery the filter selects, oldest first (the order they were received, so replays keep the provider's order). */
async function select(store: Store, options: Record<string, string>): Promise<number[]> {
  const q = query(options, MAX_PAGE);
  const ids: number[] = [];
  let beforeId: number | undefined;
  for (;;) {
    const page = await store.listDeliveries({ provider: q.provider, status: q.status, since: q.since, limit: MAX_PAGE, beforeId });
    ids.push(...page.map((d) => d.id));
    if (page.length < MAX_PAGE) break;
    beforeId = page[page.length - 1]!.id;
  }
  return ids.reverse();
}

function oneLine(s: string | null | undefined, max = 80): string {
  return (s ?? '').replace(/\s+/g, ' ').slice(0, max);
}

function runtimeFor(config: Config) {
  const log = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, secrets: secretsOf(config), stream: process.stderr });
  const adapters = enabledAdapters(config);
  // Every provider that can reply counts as replying: nothing is sent, so credentials are not needed.
  const info = new Map<string, ProviderInfo>([...adapters.values()].map((a) => [a.name, { reply: a.capabilities.reply, maxTextLength: a.maxTextLength }]));
  return { log, adapters, info };
}

const BATCH = 100;

export const group: CommandGroup = {
  summary: 'the delivery log: list, show, replay (also --dry-run), discard',
  commands: {
    list: {
      summary: 'newest first: id, provider, status, received, reason; --status quarantined shows what our schema could not read',
      usage: '[--provider p] [--status pending|processed|quarantined|discarded] [--since ISO] [--limit n] [--cursor c]',
      async run(argv) {
        const { options, rest } = parse(argv, ['provider', 'status', 'since', 'limit', 'cursor']);
        if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
        const q = query(options);
        return withStore(async (store) => {
          const rows = await store.listDeliveries({ ...q, limit: q.limit + 1, beforeId: q.cursor ? Number(q.cursor) : undefined });
          const page = rows.slice(0, q.limit);
          if (page.length === 0) print('no deliveries');
          for (const d of page) {
            const flags = [d.recovered ? 'recovered' : '', d.prunedAt ? 'pruned' : ''].filter(Boolean).join(',');
            print(`${d.id}\t${d.provider}\t${d.status}${flags ? ` (${flags})` : ''}\t${d.receivedAt}\t${oneLine(d.reason)}`);
          }
          if (rows.length > q.limit) print(`more: --cursor ${page[page.length - 1]!.id}`);
          return 0;
        });
      },
    },
    show: {
      summary: 'one delivery as JSON: raw body as received, kept headers, the events it produced and where they went, the reason when quarantined',
      usage: '<id>',
      async run(argv) {
        const ids = idsOf(argv);
        if (ids.length !== 1) throw new UsageError('give one delivery id');
        return withStore(async (store, config) => {
          const d = await store.getDelivery(ids[0]!);
          if (!d) {
            process.stderr.write(`no delivery ${ids[0]}\n`);
            return 1;
          }
          const adapters = enabledAdapters(config);
          print(JSON.stringify(deliveryDetailJson(d, await deliveryEvents(store, adapters, config, d)), null, 2));
          return 0;
        });
      },
    },
    replay: {
      summary:
        'normalize deliveries again with this code, through the same dedupe (a processed one changes nothing); --dry-run prints the replies instead of sending',
      usage: '[--dry-run] [--provider p] [--status quarantined] [--since ISO] [id …]',
      async run(argv) {
        const { options, flags, rest } = parse(argv, ['provider', 'status', 'since'], ['dry-run']);
        const given = idsOf(rest);
        if (given.length === 0 && Object.keys(options).length === 0) {
          throw new UsageError('name the deliveries: ids, or a filter such as --status quarantined (--provider, --since)');
        }
        return withStore(async (store, config) => {
          const ids = given.length > 0 ? given : await select(store, options);
          if (ids.length === 0) {
            print('no deliveries match');
            return 0;
          }
          const { log, adapters, info } = runtimeFor(config);
          const dry = flags.has('dry-run');
          const runtime = dry ? new BotRuntime(store, (await loadRoutes(config, log)).routes, info, log, config) : undefined;
          let replies = 0;
          let changed = 0;
          let quarantined = 0;
          for (let i = 0; i < ids.length; i += BATCH) {
            const part = ids.slice(i, i + BATCH);
            if (runtime) {
              for (const o of await dryRunReplay(store, runtime, adapters, config, part)) {
                if (o.note) print(`delivery ${o.id}: ${o.note}`);
                for (const r of o.replies) {
                  replies++;
                  const to = 'id' in r.conversation ? `conversation ${r.conversation.id}` : `${r.conversation.provider} ${r.conversation.externalId}`;
                  print(`delivery ${o.id} → ${r.provider} ${to} [${r.bot}]: ${JSON.stringify(r.text ?? r.media ?? '')}`);
                }
              }
            } else {
              for (const o of await replayDeliveries(store, adapters, config, part)) {
                if (o.dispatches > 0 || o.before !== o.status) changed++;
                if (o.status === 'quarantined') quarantined++;
                print(describeReplay(o));
              }
            }
            if (ids.length >= BATCH) progress(`${Math.min(i + BATCH, ids.length)} / ${ids.length} deliveries`);
          }
          if (dry) print(`dry run: ${ids.length} deliveries, ${replies} ${replies === 1 ? 'reply' : 'replies'} would be sent; nothing was sent or stored`);
          else print(`replayed ${ids.length}: ${changed} changed, ${quarantined} still quarantined`);
          return 0;
        });
      },
    },
    discard: {
      summary: 'give up on quarantined (or pending) deliveries: their payload is dropped, the row stays so a provider retry is still a duplicate',
      usage: '<id …>',
      async run(argv) {
        const ids = idsOf(argv);
        if (ids.length === 0) throw new UsageError('give the ids to discard (npm run cli -- deliveries list --status quarantined)');
        return withStore(async (store) => {
          const n = await store.discardDeliveries(ids);
          print(`${n} ${n === 1 ? 'delivery' : 'deliveries'} discarded`);
          if (n < ids.length) print(`${ids.length - n} of the ids given are not quarantined or pending; left alone`);
          return n < ids.length ? 1 : 0;
        });
      },
    },
  },
};

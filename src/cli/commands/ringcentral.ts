import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../../config/env';
import { expiresWithin, maskAddress, MAX_EXPIRES_IN, WebinarSubscriptions, type SubscriptionInfo } from '../../providers/ringcentral/subscriptions';
import { UsageError, type CommandGroup } from '../types';

/**
 * `npm run cli -- ringcentral subscribe|list|renew|recreate|delete`: manage the webinar webhook
 * subscriptions that point at this server (PUBLIC_URL/webhooks/ringcentral/<secret>), with JWT auth.
 * Run `renew` daily (cron): RingCentral documents no expiry reminder for webinar subscriptions.
 */

const print = (s: string) => process.stdout.write(s + '\n');

function describe(s: SubscriptionInfo): string {
  const blacklisted = s.blacklistedData ? ` blacklisted ${s.blacklistedData.blacklistedAt ?? ''} (${s.blacklistedData.reason ?? 'no reason given'})` : '';
  return `${s.id}  ${s.status ?? '?'}  expires ${s.expirationTime ?? '?'}  ${maskAddress(s.deliveryMode?.address)}${blacklisted}\n    ${s.eventFilters.join('\n    ')}`;
}

/** The path secret and the verification token never reach the terminal (or a CI log). */
function printable(s: SubscriptionInfo): SubscriptionInfo {
  const deliveryMode = { ...s.deliveryMode, address: maskAddress(s.deliveryMode?.address) };
  if ('verificationToken' in deliveryMode) deliveryMode.verificationToken = '<redacted>';
  return { ...s, deliveryMode };
}

function args(argv: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function positiveNumber(v: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new UsageError(`--${name} expects a positive number${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}`);
  return n;
}

export const group: CommandGroup = {
  summary: 'RingCentral Webinar webhook subscriptions',
  commands: {
    subscribe: {
      summary: 'subscribe PUBLIC_URL/webhooks/ringcentral/<secret> to the four webinar event filters',
      usage: '[--webinar-id <id>] [--expires-in <seconds, max 315360000>] [--force]',
      async run(argv) {
        const { values } = args(argv, { 'webinar-id': { type: 'string' }, 'expires-in': { type: 'string' }, force: { type: 'boolean' } });
        const expiresIn = positiveNumber(values['expires-in'], 'expires-in', MAX_EXPIRES_IN);
        const rc = await WebinarSubscriptions.login(loadConfig());
        const existing = (await rc.ours()).filter((s) => s.status !== 'Blacklisted');
        if (existing.length > 0 && !values.force) {
          print(`already subscribed (use --force to add another):`);
          for (const s of existing) print(describe(s));
          return 0;
        }
        const s = await rc.create({ webinarId: values['webinar-id'] as string | undefined, expiresIn });
        print(`subscribed:\n${describe(s)}`);
        return 0;
      },
    },
    list: {
      summary: 'list webinar subscriptions (--all: also those posting elsewhere)',
      usage: '[--all] [--json]',
      async run(argv) {
        const { values } = args(argv, { all: { type: 'boolean' }, json: { type: 'boolean' } });
        const config = loadConfig();
        const rc = await WebinarSubscriptions.login(config);
        const list = values.all ? await rc.list() : await rc.ours();
        if (values.json) print(JSON.stringify(list.map(printable), null, 2));
        else if (list.length === 0) print('no webinar subscriptions' + (values.all ? '' : ' for this server (try --all)'));
        else for (const s of list) print(describe(s));
        return 0;
      },
    },
    renew: {
      summary: "renew this server's subscriptions that expire within N days (default 30)",
      usage: '[--days <n>]',
      async run(argv) {
        const { values } = args(argv, { days: { type: 'string' } });
        const days = positiveNumber(values.days, 'days') ?? 30;
        const rc = await WebinarSubscriptions.login(loadConfig());
        let renewed = 0;
        for (const s of await rc.ours()) {
          if (s.status === 'Blacklisted' || !expiresWithin(s, days)) continue;
          const r = await rc.renew(s.id);
          print(`renewed ${s.id}: expires ${r.expirationTime ?? '?'}`);
          renewed++;
        }
        print(`${renewed} subscription(s) renewed`);
        return 0;
      },
    },
    recreate: {
      summary: "delete and re-create this server's Blacklisted subscriptions",
      async run(argv) {
        args(argv, {});
        const rc = await WebinarSubscriptions.login(loadConfig());
        let recreated = 0;
        for (const s of await rc.ours()) {
          if (s.status !== 'Blacklisted') continue;
          const r = await rc.recreate(s);
          print(`recreated ${s.id} as:\n${describe(r)}`);
          recreated++;
        }
        print(`${recreated} blacklisted subscription(s) recreated`);
        return 0;
      },
    },
    delete: {
      summary: "delete subscriptions by id, or --all of this server's",
      usage: '<id>… | --all',
      async run(argv) {
        const { values, positionals } = args(argv, { all: { type: 'boolean' } });
        if (!values.all && positionals.length === 0) throw new UsageError('give subscription ids or --all');
        const rc = await WebinarSubscriptions.login(loadConfig());
        const ids = values.all ? (await rc.ours()).map((s) => s.id) : positionals;
        for (const id of ids) {
          await rc.delete(id);
          print(`deleted ${id}`);
        }
        return 0;
      },
    },
  },
};

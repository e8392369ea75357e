import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/env';
import { type Flags, SIMULATORS, type Simulator } from '../simulated-webhooks';
import { UsageError, type Command, type CommandGroup } from '../types';

/**
 * `npm run cli -- simulate <provider> "text" [--url http://localhost:3000] [--from …]`: post the
 * webhook a provider would send for one chat message to a running server, with the path secret
 * from the environment, so a bot can be tried without a provider account. Payloads follow
 * PROVIDERS.md and the seeds; ids come from the clock so repeated runs are new messages, not
 * retries.
 */

const print = (s: string) => process.stdout.write(s + '\n');

/** `--chat -100123` (a Telegram group id) would read as an option; join it as `--chat=-100123`. */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (/^--(chat|from|reply-to)$/.test(a) && next !== undefined && /^-\d+$/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

function flags(argv: string[]): { text: string; f: Flags } {
  // biome-ignore lint/suspicious/noImplicitAnyLet: typed by the parseArgs call it is assigned from, inside the try
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv),
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        from: { type: 'string' },
        name: { type: 'string' },
        chat: { type: 'string' },
        'reply-to': { type: 'string' },
        secret: { type: 'string' },
        wait: { type: 'string' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const text = parsed.positionals.join(' ');
  if (!text.trim()) throw new UsageError('give the message text, e.g. "hello"');
  const v = parsed.values;
  const waitMs = v.wait === undefined ? 5000 : Number(v.wait);
  if (!Number.isFinite(waitMs) || waitMs < 0) throw new UsageError('--wait expects milliseconds, e.g. 5000 (0 = do not wait for replies)');
  return {
    text,
    f: {
      url: v.url ?? `http://localhost:${process.env.PORT || 3000}`,
      from: v.from,
      name: v.name,
      chat: v.chat,
      replyTo: v['reply-to'],
      secret: v.secret,
      waitMs,
    },
  };
}

/** The secret in a printed URL: enough to tell which one, not enough to use it. */
const mask = (s: string) => (s.length <= 4 ? '****' : `${s.slice(0, 2)}…${s.slice(-2)}`);

function command(provider: string, sim: Simulator): Command {
  return {
    summary: `post a ${provider} chat message webhook (secret from ${String(sim.secretVariable)})`,
    usage: `"text" [--url http://localhost:3000] ${sim.flags} [--secret <path secret>] [--wait <ms for replies, default 5000>]`,
    async run(argv) {
      const { text, f } = flags(argv);
      const config = loadConfig(process.env);
      const secret = f.secret ?? (config[sim.secretVariable] as string | undefined);
      if (!secret) {
        const mode = provider === 'telegram' ? ' (the server must run Telegram in webhook mode, with the same secret)' : '';
        throw new UsageError(`${String(sim.secretVariable)} is not set: export it as for the server, or pass --secret${mode}`);
      }
      const hook = sim.build(text, { ...f, secret }, config);
      const base = f.url.replace(/\/+$/, '');
      let res: Response;
      try {
        res = await fetch(`${base}/webhooks/${provider}/${encodeURIComponent(secret)}`, {
          method: 'POST',
          headers: { 'content-type': hook.contentType, 'user-agent': 'switchboard-simulate', ...hook.headers },
          body: hook.body,
          signal: AbortSignal.timeout(10_000),
        });
      } catch (e) {
        throw new Error(`could not reach ${base} (${(e as Error).cause ?? (e as Error).message}); is the server running (npm start)?`);
      }
      const answer = (await res.text()).trim();
      print(`POST ${base}/webhooks/${provider}/${mask(secret)} → ${res.status} ${answer}`);
      if (!res.ok) return 1;
      if (config.ADMIN_TOKEN && f.waitMs > 0) await showReplies(base, provider, text, config.ADMIN_TOKEN, f.waitMs);
      else print(`conversation ${provider} ${hook.conversation}: set ADMIN_TOKEN (as for the server) to see the bots' replies here`);
      return 0;
    },
  };
}

interface ApiMessage {
  id: number;
  direction: 'inbound' | 'outbound';
  text: string | null;
  status: string;
}

/**
 * Read the bots' replies back through the admin API: the newest conversation of the provider
 * holding our message, and the outbound messages stored after it. They show even when the provider's API
 * is unreachable (a reply waiting for a retry is `pending`), so a bot can be tried with no account.
 */
async function showReplies(base: string, provider: string, text: string, token: string, waitMs: number): Promise<void> {
  const get = async (path: string) => {
    const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
    if (!r.ok) throw new Error(`GET ${path} → ${r.status} (is ADMIN_TOKEN the server's?)`);
    return r.json() as Promise<any>;
  };
  const deadline = Date.now() + waitMs;
  let replies: ApiMessage[] = [];
  let settledAt: number | undefined;
  for (;;) {
    const { conversations } = await get(`/api/conversations?provider=${encodeURIComponent(provider)}`);
    for (const c of (conversations as { id: number }[]).slice(0, 5)) {
      const messages: ApiMessage[] = (await get(`/api/conversations/${c.id}/messages`)).messages;
      const mine = messages.filter((m) => m.direction === 'inbound' && m.text === text).sort((a, b) => b.id - a.id)[0];
      if (!mine) continue;
      // Stored after ours (row id), whatever order key the provider later gave them.
      const after = messages.filter((m) => m.direction === 'outbound' && m.id > mine.id).sort((a, b) => a.id - b.id);
      // Keep polling a moment after the first reply: several bots may answer.
      if (after.length > replies.length) settledAt = Date.now() + 500;
      replies = after;
      break;
    }
    if ((settledAt !== undefined && Date.now() >= settledAt) || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  if (replies.length === 0) print(`no reply in this conversation within ${waitMs} ms (the bots may not answer this; see the server log)`);
  for (const m of replies) print(`← ${m.text ?? '(media)'}   [${m.status}]`);
}

export const group: CommandGroup = {
  summary: 'post a realistic provider webhook to a running server (try a bot without a provider account)',
  commands: Object.fromEntries(Object.entries(SIMULATORS).map(([name, sim]) => [name, command(name, sim)])),
};

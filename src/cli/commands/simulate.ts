import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../../config/env';
import { UsageError, type Command, type CommandGroup } from '../types';

/**
 * `npm run cli -- simulate <provider> "text" [--url http://localhost:3000] [--from …]`: post the
 * webhook a provider would send for one chat message to a running server, with the path secret
 * from the environment, so a bot can be tried without a provider account. Payloads follow
 * PROVIDERS.md and the seeds; ids come from the clock so repeated runs are new messages, not
 * retries.
 */

const print = (s: string) => process.stdout.write(s + '\n');

interface Flags {
  url: string;
  from?: string;
  name?: string;
  chat?: string;
  replyTo?: string;
  secret?: string;
  /** How long to wait for the bots' replies (ms), read back through the admin API. */
  waitMs: number;
}

interface Webhook {
  body: string;
  contentType: string;
  headers?: Record<string, string>;
  /** What the server will call the conversation, for the summary line. */
  conversation: string;
}

interface Simulator {
  secretVariable: keyof Config;
  flags: string;
  build(text: string, f: Flags, config: Config): Webhook;
}

/** Increasing across runs (a new message each time) and inside a JS safe integer. */
const clockId = () => Date.now() - 1_700_000_000_000;
const unixSeconds = () => Math.floor(Date.now() / 1000);

/** `YYYY-MM-DD HH:MM:SS` in WAMM_TIMEZONE (WAMM's zone-less date_ins), UTC when unset. */
function wammDate(zone: string | undefined): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone ?? 'UTC',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date())
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

const json = (v: unknown) => JSON.stringify(v);

const SIMULATORS: Record<string, Simulator> = {
  wamm: {
    secretVariable: 'WAMM_WEBHOOK_SECRET',
    flags: '[--from <phone>] [--name <chat name>] [--chat <account phone>] [--reply-to <msg_id>]',
    build(text, f, config) {
      const account = f.chat ?? '79990000000';
      const phone = f.from ?? '79001234567';
      const msg_data = {
        msg_id: clockId(),
        qoute_msg_id: f.replyTo ? Number(f.replyTo) : null,
        from_api: 0,
        from_me: 0,
        phone_acc: account,
        phone,
        chat_name: f.name ?? 'Simulated Customer',
        tip_msg: 'textMessage',
        msg_text: text,
        msg_link: null,
        date_ins: wammDate(config.WAMM_TIMEZONE),
        state: 'received',
        senderId: null,
        senderName: null,
      };
      return { body: json({ tip: 'msg', msg_data }), contentType: 'application/json', conversation: `${account}:${phone}` };
    },
  },
  telegram: {
    secretVariable: 'TELEGRAM_WEBHOOK_SECRET',
    flags: '[--from <user id>] [--name <first name>] [--chat <chat id, default = --from>] [--reply-to <message_id>]',
    build(text, f, config) {
      const userId = Number(f.from ?? 10001);
      const chatId = Number(f.chat ?? userId);
      if (!Number.isSafeInteger(userId) || !Number.isSafeInteger(chatId)) throw new UsageError('--from and --chat are numeric Telegram ids');
      const first_name = f.name ?? 'Simulated';
      const chat = chatId < 0 ? { id: chatId, type: 'supergroup', title: 'Simulated group' } : { id: chatId, type: 'private', first_name };
      const id = clockId();
      const message = {
        message_id: id,
        date: unixSeconds(),
        chat,
        from: { id: userId, is_bot: false, first_name, language_code: 'en' },
        text,
        ...(f.replyTo ? { reply_to_message: { message_id: Number(f.replyTo), date: unixSeconds(), chat } } : {}),
      };
      return {
        body: json({ update_id: id, message }),
        contentType: 'application/json',
        headers: { 'X-Telegram-Bot-Api-Secret-Token': config.TELEGRAM_WEBHOOK_SECRET ?? f.secret ?? '' },
        conversation: String(chatId),
      };
    },
  },
  webinato: {
    secretVariable: 'WEBINATO_WEBHOOK_SECRET',
    flags: '[--from <author name>] [--chat <roomID>] [--role attendee|presenter|organizer]',
    build(text, f) {
      const roomID = f.chat ?? 'demo-room';
      const msgs = [{ authorName: f.from ?? f.name ?? 'Simulated Attendee', authorRole: 1, ts: unixSeconds(), msgID: clockId(), text }];
      // A fresh batch 1 each time: the simulator cannot know the room's batch count, and 1 never looks like a gap.
      const form = new URLSearchParams({ inquiry: 'realTimeChat', sender: 'Webinato', roomID, batchNo: '1', msgsJSON: json(msgs) });
      return { body: form.toString(), contentType: 'application/x-www-form-urlencoded', conversation: roomID };
    },
  },
  mqttchat: {
    secretVariable: 'MQTTCHAT_WEBHOOK_SECRET',
    flags: '[--from <userid>] [--chat <to userid>]',
    build(text, f) {
      const from = f.from ?? '1001';
      const to = f.chat ?? '1002';
      const body = {
        from_userid: Number(from) || from,
        to_userid: Number(to) || to,
        message: { id: clockId(), message: text, timestamp: unixSeconds(), type: 0 },
      };
      return { body: json(body), contentType: 'application/json', conversation: `${from}↔${to}` };
    },
  },
  superviz: {
    secretVariable: 'SUPERVIZ_WEBHOOK_SECRET',
    flags: '[--from <participant id>] [--name <participant name>] [--chat <channel>]',
    build(text, f, config) {
      const channel = f.chat ?? 'demo-channel';
      // [GUESS] data is our own convention with the web client (CONTRACT.md): data.text the chat text, data.name the sender.
      const event = {
        apiKey: 'simulator',
        channel,
        event: config.SUPERVIZ_MESSAGE_EVENT,
        date: new Date().toISOString(),
        presenceId: f.from ?? 'participant-1',
        socketId: null,
        data: { text, name: f.name ?? 'Simulated Participant' },
      };
      const header = config.SUPERVIZ_WEBHOOK_HEADER;
      return {
        body: json(event),
        contentType: 'application/json',
        headers: header ? { [header]: config.SUPERVIZ_WEBHOOK_SECRET ?? f.secret ?? '' } : undefined,
        conversation: channel,
      };
    },
  },
};

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

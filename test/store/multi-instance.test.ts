import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../fakes/telegram';
import { FakeWamm } from '../fakes/wamm';
import { createTestSchema, postgresUnavailable, type TestSchema } from '../helpers/postgres';
import { eventually, startServer, type ServerProcess } from '../helpers/process';

/**
 * Two real server processes on one PostgreSQL schema, behind an imaginary load balancer: WAMM
 * deliveries go alternately to both (some to both), the echo bot answers through a fake WAMM API,
 * Telegram long polling shows who the leader is; then the leader is SIGKILLed mid-load.
 */
const SECRET = 'wamm-path-secret-multi';
const TOKEN = 'wamm-api-token-multi';
const ADMIN = 'admin-token-multi';
const DB_PASSWORD = 'db-password-never-logged';
const CONVERSATIONS = 6;
const PER_CONVERSATION = 8;

const wammMessage = (conv: number, i: number) => ({
  tip: 'msg',
  msg_data: {
    msg_id: 10_000 + conv * 100 + i,
    qoute_msg_id: null,
    from_api: 0,
    from_me: 0,
    phone_acc: '79990000000',
    phone: `7900000000${conv}`,
    chat_name: `Client ${conv}`,
    tip_msg: 'textMessage',
    msg_text: `c${conv}-m${i}`,
    msg_link: null,
    date_ins: '2026-01-01 12:00:00',
    state: 'received',
    senderId: null,
    senderName: null,
  },
});

const unavailable = await postgresUnavailable();

describe.skipIf(!!unavailable)('several instances on one PostgreSQL database', () => {
  const wamm = new FakeWamm(TOKEN);
  const telegram = new FakeTelegram();
  let schema: TestSchema;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    await wamm.start();
    await telegram.start();
    schema = await createTestSchema();
    const env = {
      // A password (ignored by the local trust auth) that must never reach a log line.
      DATABASE_URL: schema.url.replace('://root@', `://root:${DB_PASSWORD}@`),
      SWITCHBOARD_LEASE_MS: '1500',
      WAMM_WEBHOOK_SECRET: SECRET,
      WAMM_API_TOKEN: TOKEN,
      WAMM_API_URL: wamm.url,
      WAMM_SEND_INTERVAL_MS: '1',
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      ADMIN_TOKEN: ADMIN,
      BOTS: 'echo',
    };
    a = await startServer(env); // first up: takes the leader lease
    b = await startServer(env);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await wamm.stop();
    await telegram.stop();
    await schema?.drop();
  });

  /** What a provider does: POST, and on a dead instance retry through the other one. */
  const post = async (target: ServerProcess, body: unknown): Promise<number> => {
    for (const sb of [target, target === a ? b : a]) {
      try {
        const r = await fetch(`${sb.url}/webhooks/wamm/${SECRET}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (r.status === 200) return 200;
      } catch {
        /* instance down: the load balancer sends it to the other one */
      }
    }
    throw new Error('no instance accepted the delivery');
  };
  const api = async (sb: ServerProcess, path: string) => {
    const r = await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.status).toBe(200);
    return r.json() as Promise<any>;
  };
  /** The leases an instance holds right now (its owner id is hostname:pid:random). */
  const leasesOf = (sb: ServerProcess) => async () => {
    const db = new pg.Client({ connectionString: schema.url });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT partition FROM partition_leases WHERE owner LIKE $1', [`%:${sb.child.pid}:%`]);
      return rows.map((r) => r.partition as string);
    } finally {
      await db.end();
    }
  };
  const pollingStarted = (sb: ServerProcess) => sb.logs.some((l) => l.includes('Telegram long polling started'));

  it('processes each delivery once, keeps per-conversation order, polls on the leader only, and survives SIGKILL of an instance', async () => {
    // Only the leader polls.
    await eventually(async () => pollingStarted(a));
    expect(pollingStarted(b)).toBe(false);

    // The same delivery to both instances at once: stored once.
    const both = await Promise.all([post(a, wammMessage(0, 0)), post(b, wammMessage(0, 0))]);
    expect(both).toEqual([200, 200]);

    let sentSoFar = 0;
    const killAt = Math.floor((CONVERSATIONS * (PER_CONVERSATION - 1)) / 2);
    let killed: Promise<string[]> | undefined;
    await Promise.all(
      Array.from({ length: CONVERSATIONS }, async (_, conv) => {
        for (let i = conv === 0 ? 1 : 0; i < PER_CONVERSATION; i++) {
          const body = wammMessage(conv, i);
          await post(i % 2 ? a : b, body);
          if (i % 3 === 0) await post(i % 2 ? b : a, body); // a provider retry reaching the other instance
          if (++sentSoFar === killAt) killed = a.stop('SIGKILL').then(leasesOf(a)); // mid-load, while a holds leases and work
        }
      }),
    );
    // It died holding leases (at least the leader's): they must expire before b can take its work.
    expect(await killed).toContain('leader');
    expect(a.child.exitCode === null ? a.child.signalCode : 'exited').toBe('SIGKILL');

    // The survivor finishes everything: every message answered once, in order per conversation.
    const expected = CONVERSATIONS * PER_CONVERSATION;
    const dead = await eventually(async () => {
      const { deadLetters } = await api(b, '/api/outbox/dead');
      const answered = new Set([...wamm.sent.map((s) => s.text), ...deadLetters.map((d: any) => d.message.text)]);
      return answered.size >= expected ? (deadLetters as any[]) : undefined;
    }, 25_000);
    // A send cut off by the kill (at most one per conversation) may or may not have reached WAMM:
    // it is dead-lettered for an operator, never repeated blindly.
    for (const d of dead) expect(d.lastError).toMatch(/interrupted while sending/);
    expect(dead.length).toBeLessThanOrEqual(CONVERSATIONS);
    const texts = wamm.sent.map((s) => s.text);
    expect(new Set(texts).size).toBe(texts.length);
    for (let conv = 0; conv < CONVERSATIONS; conv++) {
      const mine = wamm.sent.filter((s) => s.phone === `7900000000${conv}`).map((s) => Number(s.text.split('-m')[1]));
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
      const cut = dead.filter((d) => d.message.text.startsWith(`c${conv}-`)).map((d) => Number(d.message.text.split('-m')[1]));
      expect(cut.length).toBeLessThanOrEqual(1);
      expect(new Set([...mine, ...cut]).size).toBe(PER_CONVERSATION);
    }

    // Stored once: one inbound row and one reply row per message.
    const { conversations } = await api(b, '/api/conversations?provider=wamm');
    expect(conversations).toHaveLength(CONVERSATIONS);
    for (const c of conversations) {
      const { messages } = await api(b, `/api/conversations/${c.id}/messages`);
      expect(messages.filter((m: any) => m.direction === 'inbound')).toHaveLength(PER_CONVERSATION);
      expect(messages.filter((m: any) => m.direction === 'outbound')).toHaveLength(PER_CONVERSATION);
    }

    // The leader role moved to the survivor, which now polls.
    await eventually(async () => pollingStarted(b), 15_000);
    expect(b.logs.some((l) => l.includes('this instance is now the leader'))).toBe(true);
    expect([...a.logs, ...b.logs].filter((l) => l.includes(DB_PASSWORD))).toEqual([]);
  }, 90_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, postgresUnavailable, type TestSchema } from '../helpers/postgres';
import { type ServerProcess, startServer, tempDir } from '../helpers/process';
import { LIMITS } from '../../src/console/sessions';
import { wammMsg } from '../reliability/wamm-kit';
import { addOperator } from './browser';

/**
 * Live updates with several instances on PostgreSQL: a page connected to instance B hears of a
 * message instance A stored, from B's own store (GET /api/console/events), with no channel
 * between the instances.
 */
const skip = await postgresUnavailable();

describe.skipIf(!!skip)('console events across two instances on PostgreSQL', () => {
  let schema: TestSchema;
  let a: ServerProcess;
  let b: ServerProcess;
  const env = (url: string) => ({ DATABASE_URL: url, WAMM_WEBHOOK_SECRET: 'events-secret-1', ADMIN_TOKEN: 'events-admin-1', BOTS: 'echo' });

  beforeAll(async () => {
    schema = await createTestSchema();
    a = await startServer(env(schema.url));
    b = await startServer(env(schema.url));
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await schema?.drop();
  });

  it('accepts a session signed in on the other instance, and counts failed sign-ins across both', async () => {
    expect(await addOperator({ DATABASE_URL: schema.url }, 'ana', 'admin', 'ana-two-instances')).toBe(0);
    const login = (sb: ServerProcess, password: string) =>
      fetch(`${sb.url}/api/console/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'ana', password }),
      });
    const r = await login(a, 'ana-two-instances');
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
    expect(await (await fetch(`${b.url}/api/console/session`, { headers: { cookie } })).json()).toMatchObject({ actor: { name: 'ana' } });
    for (let i = 0; i < LIMITS.perAccount; i++) expect((await login(i % 2 ? a : b, 'wrong-password')).status).toBe(401);
    expect((await login(a, 'ana-two-instances')).status).toBe(429);
  });

  it("streams the conversation of a message stored by the other instance to this instance's clients", async () => {
    const abort = new AbortController();
    const stream = await fetch(`${b.url}/api/console/events`, { headers: { authorization: 'Bearer events-admin-1' }, signal: abort.signal });
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (re: RegExp) => {
      while (!re.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += value;
      }
      return re.exec(text)!;
    };
    await until(/event: ready/);
    const r = await fetch(`${a.url}/webhooks/wamm/events-secret-1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(wammMsg(4_200_001, 'hello from instance A', { phone: '79004440001' })),
    });
    expect(r.status).toBe(200);
    const m = await until(/event: conversations\ndata: (\{.*\})\n\n/);
    const { ids } = JSON.parse(m[1]!) as { ids: number[] };
    const list = (await (await fetch(`${b.url}/api/console/conversations`, { headers: { authorization: 'Bearer events-admin-1' } })).json()) as {
      conversations: { id: number; lastText: string }[];
    };
    expect(list.conversations.find((c) => c.lastText === 'hello from instance A' || c.id === ids[0])?.id).toBe(ids[0]);
    abort.abort();
  });
});

describe('an open console stream and SIGTERM', () => {
  it('does not hold up the stop: the stream is ended first and the server drains as usual', async () => {
    const dir = tempDir('console-sse-stop-');
    const sb = await startServer({ DATA_DIR: dir.path, WAMM_WEBHOOK_SECRET: 'events-secret-2', ADMIN_TOKEN: 'events-admin-2' });
    try {
      const stream = await fetch(`${sb.url}/api/console/events`, { headers: { authorization: 'Bearer events-admin-2' } });
      const reader = stream.body!.getReader();
      await reader.read(); // the stream is open
      const ended = (async () => {
        while (!(await reader.read()).done);
      })();
      expect(await sb.stop('SIGTERM')).toBe(0);
      await ended;
      expect(sb.logs.join('\n')).toContain('"message":"stopped"');
      expect(sb.logs.join('\n')).not.toContain('drain took too long');
    } finally {
      dir.remove();
    }
  });
});

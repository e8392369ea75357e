import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../../fakes/telegram';
import { REAL_BOT_TOKEN, REAL_UPDATES } from '../../fixtures/telegram/real-updates';
import { eventually, startServer, tempDir, type ServerProcess } from '../../helpers/process';

/**
 * Real Telegram updates (test/fixtures/telegram/real-updates.ts, each naming its capture) through
 * the webhook route of the real server process, with the echo bot and the fake Bot API: each is
 * stored (2xx) in the right conversation with the right author and kind, and the echo bot answers
 * exactly the ones a person wrote, in their forum topic or through their business connection.
 */
const SECRET = 'tg-real-updates-secret_42';
const ADMIN = 'admin-token-real-updates';

describe('real Telegram updates through the webhook (real server process, fake Bot API)', () => {
  const dir = tempDir();
  const fake = new FakeTelegram(REAL_BOT_TOKEN);
  let sb: ServerProcess;

  const post = (body: unknown) =>
    fetch(`${sb.url}/webhooks/telegram/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
      body: JSON.stringify(body),
    });
  const api = async (path: string) => {
    const r = await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.status).toBe(200);
    return r.json() as Promise<any>;
  };

  beforeAll(async () => {
    // Above every message id in the captures, so a reply's id never meets a captured message's.
    fake.firstMessageId = 900_000;
    await fake.start();
    sb = await startServer({ DATA_DIR: dir.path, ...fake.env(SECRET), ADMIN_TOKEN: ADMIN, BOTS: 'echo' });
  });
  afterAll(async () => {
    await sb?.stop();
    await fake.stop();
    dir.remove();
  });

  it(`feeds ${REAL_UPDATES.length} real updates: each 2xx, stored where and as it should be, answered only when a person wrote it`, async () => {
    expect(REAL_UPDATES.length).toBeGreaterThanOrEqual(20);
    for (const u of REAL_UPDATES) {
      const r = await post(u.update);
      expect(r.status, u.name).toBe(200);
      expect(await r.json(), u.name).toMatchObject({ stored: 1 });
    }

    const answered = REAL_UPDATES.filter((u) => u.expect.answered !== false);
    const sends = await eventually(async () => fake.sent.length >= answered.length && fake.sent);
    const { conversations } = await api('/api/conversations?provider=telegram');
    for (const u of REAL_UPDATES) {
      const e = u.expect;
      const c = conversations.find((x: any) => x.externalId === e.conversation);
      expect(c, `${u.name}: conversation ${e.conversation}`).toBeDefined();
      const row = await eventually(async () =>
        ((await api(`/api/conversations/${c.id}/messages`)).messages as any[]).find((m) => m.externalId === e.externalId),
      );
      expect({ name: u.name, author: { id: row.author.id, role: row.author.role }, kind: row.kind, direction: row.direction }).toEqual({
        name: u.name,
        author: e.author,
        kind: e.kind,
        direction: e.direction,
      });
      if (e.blocked !== undefined) expect(!!(await api(`/api/conversations/${c.id}`)).conversation.blocked, `${u.name}: blocked`).toBe(e.blocked);

      const replies = sends.filter((s) => s.chat_id === e.conversation && row.direction === 'inbound' && row.kind === 'text' && s.text === row.text);
      if (e.answered === false) {
        expect(replies, `${u.name}: not answered`).toHaveLength(0);
      } else {
        expect(replies, `${u.name}: answered once`).toHaveLength(1);
        const p = replies[0]!.params;
        expect({ name: u.name, message_thread_id: p.message_thread_id, business_connection_id: p.business_connection_id }).toEqual({
          name: u.name,
          message_thread_id: undefined,
          business_connection_id: undefined,
          ...e.answered,
        });
      }
    }
    // Nothing else went out: no answer to a bot, ourselves, a service message, a button press or an edit.
    await new Promise((res) => setTimeout(res, 300));
    expect(fake.sent).toHaveLength(answered.length);
  });
});

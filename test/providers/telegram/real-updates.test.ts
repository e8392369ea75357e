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
    let answeredSoFar = 0;
    for (const u of REAL_UPDATES) {
      // An edit is posted once the message it edits was answered: an echo that ran after the edit
      // was applied would (rightly) echo the new text, and which one it echoes would depend on timing.
      if (Object.keys(u.update).some((k) => k.startsWith('edited_'))) await eventually(async () => fake.sent.length >= answeredSoFar);
      if (u.expect.answered !== false) answeredSoFar++;
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

      const m = (u.update.message ?? u.update.business_message ?? u.update.channel_post ?? u.update.edited_business_message) as { text?: string } | undefined;
      const replies = sends.filter((s) => s.chat_id === e.conversation && row.direction === 'inbound' && m?.text !== undefined && s.text === m.text);
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
    // The edited business message kept its first text.
    const pavel = conversations.find((x: any) => x.externalId === '6100200300');
    const edited = ((await api(`/api/conversations/${pavel.id}/messages`)).messages as any[]).find((m) => m.externalId === '6100200300:41');
    expect(edited).toMatchObject({ text: 'Do you deliver today or tomorrow?', history: [{ text: 'Do you deliver today?' }] });
    // Nothing else went out: no answer to a bot, ourselves, a service message, a button press or an edit.
    await new Promise((res) => setTimeout(res, 300));
    expect(fake.sent).toHaveLength(answered.length);
  });

  const kicked = (updateId: number, chat: { id: number; first_name: string }, status: 'kicked' | 'member') => ({
    // The shape of galihjk/tmpsndbot's capture (test/fixtures/telegram/real-updates.ts), for another user.
    update_id: updateId,
    my_chat_member: {
      chat: { ...chat, type: 'private' },
      from: { id: chat.id, is_bot: false, first_name: chat.first_name },
      date: 1672908506 + updateId,
      old_chat_member: { user: fake.bot, status: status === 'kicked' ? 'member' : 'kicked' },
      new_chat_member: { user: fake.bot, status, ...(status === 'kicked' ? { until_date: 0 } : {}) },
    },
  });
  const deadTo = async (chatId: number) => {
    const { conversations } = await api('/api/conversations?provider=telegram');
    const c = conversations.find((x: any) => x.externalId === String(chatId));
    return ((await api('/api/outbox/dead')).deadLetters as any[]).filter((d) => d.conversationId === c?.id);
  };
  const callsTo = (chatId: number) => fake.calls.filter((c) => c.method === 'sendMessage' && String(c.params.chat_id) === String(chatId));
  const conversation = async (chatId: number) =>
    ((await api('/api/conversations?provider=telegram')).conversations as any[]).find((x) => x.externalId === String(chatId));

  it('blocked: a reply queued when the user blocks the bot is dead-lettered at once, unsent; their next message reopens the chat', async () => {
    const anna = { id: 7100000001, type: 'private' as const, first_name: 'Anna' };
    // The echo's first try is refused with 429 and waits to be retried.
    fake.failNext.push({ error_code: 429, retry_after: 2 });
    expect((await post(fake.messageUpdate({ chat: anna, text: 'are you there?' }))).status).toBe(200);
    await eventually(async () => callsTo(anna.id).length === 1);
    expect((await post(kicked(950_000_001, anna, 'kicked'))).status).toBe(200);
    const [dead] = await eventually(async () => {
      const d = await deadTo(anna.id);
      return d.length === 1 && d;
    });
    expect(dead.lastError).toMatch(/blocked by the user/);
    expect((await conversation(anna.id)).blocked).toBe(true);
    // Another chat's reply goes out after the 429's pause, when Anna's retry would have been due: hers never went.
    const other = { id: 7100000002, type: 'private' as const, first_name: 'Boris' };
    await post(fake.messageUpdate({ chat: other, text: 'ping' }));
    await eventually(async () => fake.sent.some((s) => s.chat_id === String(other.id)), 15_000);
    expect(callsTo(anna.id)).toHaveLength(1);

    // She writes again: the chat is open and she is answered.
    expect((await post(fake.messageUpdate({ chat: anna, text: 'back again' }))).status).toBe(200);
    await eventually(async () => fake.sent.some((s) => s.chat_id === String(anna.id) && s.text === 'back again'));
    expect((await conversation(anna.id)).blocked).toBeUndefined();
  });

  it('blocked: Bot API 403 "bot was blocked by the user" dead-letters the reply and marks the chat blocked; my_chat_member "member" reopens it', async () => {
    const carl = { id: 7100000003, type: 'private' as const, first_name: 'Carl' };
    fake.blockedChats.add(String(carl.id));
    await post(fake.messageUpdate({ chat: carl, text: 'first' }));
    await eventually(async () => (await deadTo(carl.id)).length === 1);
    expect((await deadTo(carl.id))[0].lastError).toMatch(/bot was blocked by the user/);
    await eventually(async () => (await conversation(carl.id)).blocked === true);
    expect(callsTo(carl.id)).toHaveLength(1);
    fake.blockedChats.delete(String(carl.id));
    expect((await post(kicked(950_000_002, carl, 'member'))).status).toBe(200);
    await eventually(async () => (await conversation(carl.id)).blocked === undefined);
    await post(fake.messageUpdate({ chat: carl, text: 'second' }));
    await eventually(async () => fake.sent.some((s) => s.chat_id === String(carl.id) && s.text === 'second'));
  });
});

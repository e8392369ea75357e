import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram, type FakeChat } from '../../fakes/telegram';
import { eventually, startServer, tempDir, type ServerProcess } from '../../helpers/process';

/**
 * Telegram webhook mode through the real server process and the fake Bot API: setWebhook at start,
 * an update in → stored → 200 → echo bot → sendMessage; retries deduped on update_id; the secret
 * header; update_id gaps recorded and filled; 429 retry_after honoured; permanent errors dead-lettered.
 */
const SECRET = 'tg-webhook-secret_XYZ';
const ADMIN = 'admin-token-tg';
const PUBLIC_URL = 'https://bot.example.com';

describe('Telegram webhook mode (real server process, fake Bot API)', () => {
  const dir = tempDir();
  const fake = new FakeTelegram();
  let sb: ServerProcess;
  const chat: FakeChat = { id: 31337, type: 'private', first_name: 'Anna' };

  const post = (body: unknown, headers: Record<string, string> = { 'X-Telegram-Bot-Api-Secret-Token': SECRET }, secret = SECRET) =>
    fetch(`${sb.url}/webhooks/telegram/${secret}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const api = async (path: string) => {
    const r = await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.status).toBe(200);
    return r.json() as Promise<any>;
  };
  const health = async () => (await api('/api/health')).providers.find((p: any) => p.provider === 'telegram');
  const messagesOf = async (externalId: string) => {
    const { conversations } = await api('/api/conversations?provider=telegram');
    const c = conversations.find((x: any) => x.externalId === externalId);
    return c ? ((await api(`/api/conversations/${c.id}/messages`)).messages as any[]) : [];
  };
  const sentTo = (chatId: number) => fake.sent.filter((s) => s.chat_id === String(chatId));

  beforeAll(async () => {
    await fake.start();
    sb = await startServer({
      DATA_DIR: dir.path,
      ...fake.env(SECRET),
      PUBLIC_URL,
      ADMIN_TOKEN: ADMIN,
      BOTS: 'echo',
    });
  });
  afterAll(async () => {
    await sb?.stop();
    await fake.stop();
    dir.remove();
  });

  it('registers its webhook at start: our route, the secret header, no dropped updates', async () => {
    const hook = await eventually(async () => fake.webhook);
    expect(hook).toMatchObject({ url: `${PUBLIC_URL}/webhooks/telegram/${SECRET}`, secret_token: SECRET });
    expect(hook.allowed_updates).toEqual(
      expect.arrayContaining(['message', 'callback_query', 'my_chat_member', 'business_message', 'edited_business_message']),
    );
    expect(fake.calls.find((c) => c.method === 'setWebhook')!.params).toMatchObject({ drop_pending_updates: false });
    expect(fake.calls.some((c) => c.method === 'getUpdates')).toBe(false);
    await eventually(async () => sb.logs.some((l) => l.includes('Telegram bot @switchboard_test_bot')));
    expect(sb.logs.join('\n')).toContain(`${PUBLIC_URL}/webhooks/telegram/<TELEGRAM_WEBHOOK_SECRET>`);
  });

  it('stores an update, answers 200, and echoes it once with sendMessage', async () => {
    const u = fake.messageUpdate({ chat, text: 'hello bot' });
    const r = await post(u);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true, stored: 1, duplicates: 0 });
    await eventually(async () => sentTo(chat.id).length === 1);
    expect(sentTo(chat.id)[0]).toMatchObject({ method: 'sendMessage', text: 'hello bot' });

    const list = await eventually(async () => {
      const m = await messagesOf(String(chat.id));
      return m.length === 2 && m[1].status === 'sent' ? m : undefined;
    });
    const inbound = (u as any).message;
    expect(list[0]).toMatchObject({
      externalId: `${chat.id}:${inbound.message_id}`,
      direction: 'inbound',
      author: { id: String(chat.id), name: 'Anna', role: 'user' },
      kind: 'text',
      text: 'hello bot',
    });
    expect(list[1]).toMatchObject({ direction: 'outbound', text: 'hello bot', externalId: `${chat.id}:${sentTo(chat.id)[0]!.message_id}` });

    const again = await post(u);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ stored: 0, duplicates: 1 });
    await new Promise((res) => setTimeout(res, 300));
    expect(sentTo(chat.id)).toHaveLength(1);
  });

  it('refuses a wrong secret header or path with 401 and stores nothing; accepts a missing header (CONTRACT: checked when sent)', async () => {
    const before = (await health()).deliveries;
    const u = fake.messageUpdate({ chat, text: 'sneaky' });
    for (const r of [
      await post(u, { 'X-Telegram-Bot-Api-Secret-Token': 'wrong' }),
      await post(u, { 'X-Telegram-Bot-Api-Secret-Token': '' }),
      await post(u, undefined, 'wrong-path'),
    ]) {
      expect(r.status).toBe(401);
      expect(typeof ((await r.json()) as any).error).toBe('string');
    }
    expect((await health()).deliveries).toBe(before);
    const noHeader = await post(u, {});
    expect(noHeader.status).toBe(200);
    await eventually(async () => sentTo(chat.id).some((s) => s.text === 'sneaky'));
  });

  it('answers 400 to a body that is not an Update, and 200 to an update kind it does not read', async () => {
    const bad = await post({ message: { text: 'no update id' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toMatch(/update_id/);
    // Valid JSON that parses but could not be stored (JSON.stringify overflows the stack): 400, not 5xx.
    const deep = await fetch(`${sb.url}/webhooks/telegram/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
      body: `{"update_id":990000002,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    });
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as any).error).toMatch(/nested/);
    const unknown = await post({ update_id: 990_000_001, chat_boost: { chat: { id: 1, type: 'channel' } } });
    expect(unknown.status).toBe(200);
  });

  it('records an update_id gap and clears it when the late update arrives', async () => {
    const c2: FakeChat = { id: 4040, type: 'private', first_name: 'Gap' };
    const base = 991_000_000;
    const make = (id: number, text: string) => ({ ...fake.messageUpdate({ chat: c2, text }), update_id: id });
    // Built in the order the user wrote them (message_id order); delivered first, third, second.
    const [first, late, third] = [make(base, 'first'), make(base + 1, 'second'), make(base + 2, 'third')];
    expect((await post(first)).status).toBe(200);
    await eventually(async () => sentTo(c2.id).length === 1);
    const gapsBefore = (await health()).gaps;
    expect((await post(third)).status).toBe(200);
    await eventually(async () => (await health()).gaps === gapsBefore + 1);
    expect((await post(late)).status).toBe(200);
    await eventually(async () => (await health()).gaps === gapsBefore);
    await eventually(async () => sentTo(c2.id).length === 3);
    // The conversation reads in Telegram's message order, whatever order the webhooks came in.
    const texts = (await messagesOf(String(c2.id))).filter((m) => m.direction === 'inbound').map((m) => m.text);
    expect(texts).toEqual(['first', 'second', 'third']);
  });

  it('honours retry_after on 429 before sending again', async () => {
    const c3: FakeChat = { id: 4290, type: 'private', first_name: 'Busy' };
    fake.failNext.push({ error_code: 429, retry_after: 2 });
    expect((await post(fake.messageUpdate({ chat: c3, text: 'rate limited' }))).status).toBe(200);
    await eventually(async () => sentTo(c3.id).length === 1, 15_000);
    const attempts = fake.calls.filter((c) => c.method === 'sendMessage' && c.params.chat_id === c3.id);
    expect(attempts).toHaveLength(2);
    // A lower bound only: the retry must not come before Telegram's retry_after.
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1900);
  });

  it('dead-letters a reply Telegram refuses for good (bot blocked) and keeps serving', async () => {
    const c4: FakeChat = { id: 4030, type: 'private', first_name: 'Gone' };
    fake.blockedChats.add(String(c4.id));
    const dead = (await health()).outboxDead;
    expect((await post(fake.messageUpdate({ chat: c4, text: 'bye' }))).status).toBe(200);
    await eventually(async () => (await health()).outboxDead === dead + 1);
    expect(fake.calls.filter((c) => c.method === 'sendMessage' && c.params.chat_id === c4.id)).toHaveLength(1);
  });

  it('never writes the bot token or the webhook secret into its logs', () => {
    const all = sb.logs.join('\n');
    for (const s of [fake.token, fake.token.split(':')[1]!, SECRET, ADMIN]) expect(all).not.toContain(s);
  });
});

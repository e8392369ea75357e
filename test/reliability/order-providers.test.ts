import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBot } from '../../src/bots/define';
import { eventually } from '../helpers/process';
import { webinatoForm, webinatoMsg } from '../fixtures/webinato';
import { gate, startInProcess, type InProcess } from './in-process';

/**
 * Provider order beyond WAMM: Webinato's msgID (across batches) and Telegram's message order, with
 * deliveries arriving out of order while the conversation's bot is busy.
 */
const seen: string[] = [];
const gates = new Map<string, Promise<void>>();
const entered = new Set<string>();

const recorder = defineBot({
  name: 'recorder',
  async onMessage(ctx) {
    const id = ctx.message!.externalId!;
    entered.add(id);
    seen.push(id);
    await gates.get(id);
  },
});

describe('provider order for Webinato and Telegram (in-process server)', () => {
  let s: InProcess;
  const TG_SECRET = 'tg-order-secret';
  beforeAll(async () => {
    s = await startInProcess(
      {
        WEBINATO_WEBHOOK_SECRET: 'wb-order-secret',
        TELEGRAM_BOT_TOKEN: '123456:order-test-token',
        TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
        TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
      },
      [recorder],
    );
  });
  afterAll(() => s.stop());

  const storedAll = (provider: string, n: number) =>
    eventually(async () => {
      const [c] = await s.sb.store.listConversations({ provider });
      return c && (await s.sb.store.listMessages(c.id)).length === n;
    });
  const webinato = (batchNo: number, ids: number[]) =>
    fetch(`${s.url}/webhooks/webinato/wb-order-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: webinatoForm({ roomID: '555', batchNo, msgs: ids.map((id) => webinatoMsg(id, `w${id}`)) }),
    });
  const telegram = (updateId: number, messageId: number) =>
    fetch(`${s.url}/webhooks/telegram/${TG_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET },
      body: JSON.stringify({
        update_id: updateId,
        message: {
          message_id: messageId,
          date: 1700000000 + messageId,
          chat: { id: 4242, type: 'private', first_name: 'Ana' },
          from: { id: 4242, is_bot: false, first_name: 'Ana' },
          text: `t${messageId}`,
        },
      }),
    });

  it('Webinato: msgID order, whatever order the batches arrive in', async () => {
    const g = gate();
    const first = seen.length;
    gates.set('555:1', g.promise);
    expect((await webinato(1, [1])).status).toBe(200);
    await eventually(async () => entered.has('555:1'));
    expect((await webinato(3, [5, 6])).status).toBe(200);
    expect((await webinato(2, [2, 3, 4])).status).toBe(200);
    expect(seen.slice(first)).toEqual(['555:1']);
    await storedAll('webinato', 6); // order is among what is known: let all six be stored first
    g.open();
    await eventually(async () => seen.length - first === 6);
    expect(seen.slice(first).map((id) => Number(id.split(':').pop()))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('Telegram: message order in a chat, whatever order the updates arrive in', async () => {
    const g = gate();
    gates.set('4242:10', g.promise);
    expect((await telegram(900, 10)).status).toBe(200);
    await eventually(async () => entered.has('4242:10'));
    const answers = await Promise.all([telegram(903, 13), telegram(901, 11), telegram(902, 12)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(seen.filter((id) => id.startsWith('4242:'))).toEqual(['4242:10']);
    await storedAll('telegram', 4);
    g.open();
    await eventually(async () => seen.filter((id) => id.startsWith('4242:')).length === 4);
    expect(seen.filter((id) => id.startsWith('4242:'))).toEqual(['4242:10', '4242:11', '4242:12', '4242:13']);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from 'switchboard/testing';
import echo from './echo';
import handoff from './handoff';

const OPS = '-100500';
const customer = { provider: 'wamm', conversation: 'acc:79001234567', title: 'Ivan Petrov', from: { id: '79001234567', name: 'Ivan Petrov' } };
const operator = { provider: 'telegram', conversation: OPS, from: { id: '777', name: 'Olga' } };

describe('handoff', () => {
  let kit: TestKit;
  beforeEach(async () => {
    kit = await createTestKit({ bots: [handoff, echo], env: { TELEGRAM_OPERATOR_CHAT_ID: OPS } });
  });
  afterEach(() => kit.close());

  it('hands a conversation to operators, routes their replies back, and hands it back on /done', async () => {
    // Before: the other bots answer.
    expect(await kit.receive({ ...customer, text: 'hello' })).toEqual([{ provider: 'wamm', conversation: customer.conversation, text: 'hello' }]);

    // "operator" starts the hand-off: the operators are told who and where, the customer is told to wait, echo is silent.
    const started = await kit.receive({ ...customer, text: 'I need a human please' });
    expect(started).toHaveLength(2);
    const [notice, waiting] = started;
    expect(notice).toMatchObject({ provider: 'telegram', conversation: OPS });
    expect(notice!.text).toContain('Ivan Petrov (wamm, "Ivan Petrov") asks for a person');
    expect(notice!.text).toContain('I need a human please');
    expect(waiting).toMatchObject({ provider: 'wamm', conversation: customer.conversation, text: expect.stringContaining('Connecting you') });
    expect((await kit.conversation('wamm', customer.conversation))!.status).toBe('handoff');

    // While handed off: the customer's messages are forwarded, nothing else answers.
    const [forwarded, ...rest] = await kit.receive({ ...customer, text: 'my order 42 is late' });
    expect(rest).toEqual([]);
    expect(forwarded).toEqual({ provider: 'telegram', conversation: OPS, text: '💬 Ivan Petrov (wamm, "Ivan Petrov"):\nmy order 42 is late' });

    // The operator replies to the forwarded message: it reaches the customer on WAMM; echo stays out of the operator chat.
    expect(await kit.receive({ ...operator, text: 'Hi Ivan, checking order 42 now.', replyTo: forwarded })).toEqual([
      { provider: 'wamm', conversation: customer.conversation, text: 'Hi Ivan, checking order 42 now.' },
    ]);
    expect(await kit.receive({ ...operator, text: 'coffee anyone?' })).toEqual([]);
    // Media travels only as a URL; a Telegram photo (a file_id) is announced instead.
    expect(await kit.receive({ ...operator, kind: 'image', text: 'this one?', media: { mimeType: 'image/jpeg' }, replyTo: forwarded })).toEqual([
      { provider: 'wamm', conversation: customer.conversation, text: 'this one? [image not forwarded]' },
    ]);
    expect(await kit.receive({ ...operator, kind: 'image', media: { url: 'https://cdn.example/p.jpg' }, replyTo: forwarded })).toEqual([
      { provider: 'wamm', conversation: customer.conversation, media: { url: 'https://cdn.example/p.jpg' } },
    ]);
    expect((await kit.conversation('telegram', OPS))!.status).toBe('handoff');

    // /done as a reply hands it back.
    const done = await kit.receive({ ...operator, text: '/done', replyTo: notice });
    expect(done).toEqual([
      { provider: 'wamm', conversation: customer.conversation, text: expect.stringContaining('closed this conversation') },
      { provider: 'telegram', conversation: OPS, text: '✅ Handed back to the bots: wamm, "Ivan Petrov".' },
    ]);
    expect((await kit.conversation('wamm', customer.conversation))!.status).toBe('open');
    expect(await kit.receive({ ...customer, text: 'thanks' })).toEqual([{ provider: 'wamm', conversation: customer.conversation, text: 'thanks' }]);
  });

  it('explains /done that is not a reply, and ignores other operator chatter', async () => {
    expect(await kit.receive({ ...operator, text: '/done' })).toEqual([
      { provider: 'telegram', conversation: OPS, text: expect.stringContaining('Reply /done to a forwarded') },
    ]);
    expect(await kit.receive({ ...operator, text: 'hi team' })).toEqual([]);
  });

  it('works from a receive-only provider: operators see the question, and learn the customer cannot be answered there', async () => {
    const attendee = { provider: 'webinato', conversation: 'room-9', title: 'Sales demo', from: { id: 'u5', name: 'Ann', role: 'attendee' as const } };
    const [notice, ...more] = await kit.receive({ ...attendee, text: 'can a person call me?' });
    expect(more).toEqual([]); // no "connecting" reply: Webinato cannot send
    expect(notice!.text).toContain('Ann (webinato, "Sales demo") asks for a person');
    expect(await kit.receive({ ...operator, text: 'Sure', replyTo: notice })).toEqual([
      { provider: 'telegram', conversation: OPS, text: 'webinato is receive-only: the customer cannot be answered there.' },
    ]);
  });

  it('refuses to start without an operator chat', async () => {
    await expect(createTestKit({ bots: [handoff] })).rejects.toThrow(/TELEGRAM_OPERATOR_CHAT_ID: the handoff bot needs/);
  });
});

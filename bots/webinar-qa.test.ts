import { afterEach, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from 'switchboard/testing';
import qa, { normalizeQuestion, questionOf } from './webinar-qa';

const PRESENTER = '4242';
const room = { provider: 'webinato', conversation: 'room-1', title: 'Product demo' };
const channel = { provider: 'superviz', conversation: 'webinar-7', title: 'Live Q&A' };
const ann = { id: 'u1', name: 'Ann', role: 'attendee' as const };
const bob = { id: 'u2', name: 'Bob', role: 'attendee' as const };

describe('webinar-qa', () => {
  let kit: TestKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it('posts new attendee questions from Webinato and SuperViz to the presenter chat, with who and where', async () => {
    kit = await createTestKit({ routes: [{ bot: qa, options: { presenterChat: PRESENTER } }] });
    expect(await kit.receive({ ...room, from: ann, text: 'How do I export the report?' })).toEqual([
      { provider: 'telegram', conversation: PRESENTER, text: '❓ #1 from Ann in webinato "Product demo":\nHow do I export the report?' },
    ]);
    expect(await kit.receive({ ...room, from: bob, text: 'Great talk!' })).toEqual([]);
    expect(await kit.receive({ ...room, from: bob, text: 'Q: pricing for teams' })).toEqual([
      { provider: 'telegram', conversation: PRESENTER, text: '❓ #2 from Bob in webinato "Product demo":\npricing for teams' },
    ]);
    expect(await kit.receive({ ...channel, from: ann, text: 'Is there a recording?' })).toEqual([
      { provider: 'telegram', conversation: PRESENTER, text: '❓ #1 from Ann in superviz "Live Q&A":\nIs there a recording?' },
    ]);
  });

  it('drops repeats per conversation (case, spacing, punctuation, prefix), keeping them in the store', async () => {
    kit = await createTestKit({ routes: [{ bot: qa, options: { presenterChat: PRESENTER } }] });
    await kit.receive({ ...room, from: ann, text: 'How do I export the report?' });
    expect(await kit.receive({ ...room, from: bob, text: '  how do I EXPORT the report ??' })).toEqual([]);
    expect(await kit.receive({ ...room, from: bob, text: 'Q: How do I export the report' })).toEqual([]);
    // The same question in another room is new there.
    expect(await kit.receive({ ...room, conversation: 'room-2', from: bob, text: 'How do I export the report?' })).toHaveLength(1);
    expect(await kit.state('webinar-qa', 'webinato', 'room-1')).toEqual({ seen: ['how do i export the report'], asked: 1 });
  });

  it('ignores presenters, other providers, and follows configured heuristics', async () => {
    kit = await createTestKit({
      routes: [{ bot: qa, options: { presenterChat: PRESENTER, questionMark: false, prefixes: ['?'] } }],
    });
    expect(await kit.receive({ ...room, from: { id: 'p', name: 'Host', role: 'presenter' }, text: '? any questions' })).toEqual([]);
    expect(await kit.receive({ provider: 'wamm', conversation: 'a:1', text: '? on wamm' })).toEqual([]);
    expect(await kit.receive({ ...room, from: ann, text: 'Does it work offline?' })).toEqual([]);
    expect(await kit.receive({ ...room, from: ann, text: '? does it work offline' })).toHaveLength(1);
  });

  it('recognizes questions', () => {
    const o = { questionMark: true, prefixes: ['Q:'], minLength: 3 };
    expect(questionOf('What time?', o)).toBe('What time?');
    expect(questionOf('q: when', o)).toBe('when');
    expect(questionOf('???', o)).toBeUndefined();
    expect(questionOf('Thanks!', o)).toBeUndefined();
    expect(questionOf('Это бесплатно？', o)).toBe('Это бесплатно？');
    expect(normalizeQuestion('  Hello,   WORLD?! ')).toBe('hello world');
  });

  it('needs a presenter chat', async () => {
    await expect(createTestKit({ bots: [qa] })).rejects.toThrow(/webinar-qa: set options\.presenterChat/);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, defineBot } from 'switchboard';

/**
 * A bot whose filter can never match (kind: 'txt', a misspelt key) stops start-up naming the bot and
 * the field, instead of never firing. TypeScript catches these too (npm run typecheck); this is for
 * JavaScript bots and filters built at run time.
 */
describe('defineBot checks the definition', () => {
  const refuse = (def: unknown) => {
    try {
      defineBot(def as never);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('defineBot accepted it');
  };

  it.each([
    [
      { name: 'typo', filter: { kind: 'txt' }, onMessage() {} },
      'BOTS: bot "typo": filter.kind: "txt" is not a message kind ("text", "image", "audio", "video", "file", "location", "sticker", "call", "event")',
    ],
    [{ name: 'typo', filter: { knd: 'text' }, onMessage() {} }, /^BOTS: bot "typo": filter\.knd: unknown filter key \(known: "event", "provider", "kind"/],
    [{ name: 'typo', filter: { event: ['message', 'stauts'] }, onMessage() {} }, /^BOTS: bot "typo": filter\.event: "stauts" is not an event/],
    [{ name: 'typo', on: [{ filter: { kind: ['text', 'photo'] }, handler() {} }] }, /^BOTS: bot "typo": on\[0\]\.filter\.kind: "photo" is not a message kind/],
    [{ name: 'typo', onMesage() {} }, /^BOTS: bot "typo": unknown field "onMesage" in defineBot/],
    [{ name: 'typo', onMessage: 'hello' }, 'BOTS: bot "typo": onMessage: expected a function'],
    [{ name: 'typo', filter: { text: 42 }, onMessage() {} }, 'BOTS: bot "typo": filter.text: expected a string or a RegExp'],
  ])('refuses %o', (def, message) => {
    const got = refuse(def);
    if (typeof message === 'string') expect(got).toBe(message);
    else expect(got).toMatch(message);
  });

  it('accepts every documented filter', () => {
    expect(() =>
      defineBot({
        name: 'fine',
        filter: { event: ['message', 'session'], provider: 'wamm', kind: ['text', 'image'], text: /hi/i, name: 'session.started', outbound: false },
        on: [{ filter: { text: 'help' }, handler() {} }],
        onMessage() {},
      }),
    ).not.toThrow();
  });
});

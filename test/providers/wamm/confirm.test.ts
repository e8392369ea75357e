import { describe, expect, it } from 'vitest';
import { CHAT_PAGE, matchInterrupted } from '../../../src/providers/wamm/confirm';

/** msg_get rows as WAMM's poll API returns them (ids and flags as strings, newest first). */
const row = (msg_id: number, msg_text: string, from_me = 1, date_ins = '2026-12-04 06:00:00') => ({
  msg_id: String(msg_id),
  from_me: String(from_me),
  msg_text,
  date_ins,
  tip_msg: 'textMessage',
});
const since = '2026-12-04T06:00:00.000Z';

describe('WAMM: matching an interrupted send without a clock', () => {
  it("finds our message with the same text above the recorded id, never the customer's", () => {
    const rows = [row(12, 'ok'), row(11, 'ok', 0), row(10, 'hello', 0)];
    expect(matchInterrupted(rows, 'ok', { since, attempt: { ref: 'r', knownOrderKey: 10 }, taken: new Set() })).toEqual({ externalId: '12', orderKey: 12 });
  });

  it('matches the same text sent twice one to one: the lowest id no other item took', () => {
    const rows = [row(14, 'ok'), row(13, 'ok'), row(10, 'hi', 0)];
    const first = matchInterrupted(rows, 'ok', { since, attempt: { ref: 'a', knownOrderKey: 10 }, taken: new Set() });
    expect(first?.externalId).toBe('13');
    expect(matchInterrupted(rows, 'ok', { since, attempt: { ref: 'b', knownOrderKey: 10 }, taken: new Set(['13']) })?.externalId).toBe('14');
    // Both taken: this send is not there, and the page reaches back to the id: surely not sent.
    expect(matchInterrupted(rows, 'ok', { since, attempt: { ref: 'c', knownOrderKey: 10 }, taken: new Set(['13', '14']) })).toBeNull();
  });

  it('an older message with the same text (at or below the recorded id) is not this send', () => {
    const rows = [row(11, 'hi', 0), row(9, 'ok')];
    expect(matchInterrupted(rows, 'ok', { since, attempt: { ref: 'r', knownOrderKey: 10 }, taken: new Set() })).toBeNull();
  });

  it('cannot tell (throws) when the chat moved on by more than a page', () => {
    const rows = Array.from({ length: CHAT_PAGE }, (_, i) => row(1000 - i, `flood ${i}`, 0));
    expect(() => matchInterrupted(rows, 'ok', { since, attempt: { ref: 'r', knownOrderKey: 10 }, taken: new Set() })).toThrow(/moved on by more than 100/);
  });

  it('with WAMM_TIMEZONE, a message dated over a minute before the attempt is not this send', () => {
    const rows = [row(12, 'ok', 1, '2026-12-04 05:50:00'), row(10, 'hi', 0)];
    expect(matchInterrupted(rows, 'ok', { since, attempt: { ref: 'r', knownOrderKey: 10 }, taken: new Set() }, 'UTC')).toBeNull();
    expect(matchInterrupted(rows, 'ok', { since, attempt: { ref: 'r', knownOrderKey: 10 }, taken: new Set() })?.externalId).toBe('12');
  });

  it('a send claimed before the id was recorded needs WAMM_TIMEZONE', () => {
    const rows = [row(12, 'ok', 1, '2026-12-04 06:00:05')];
    expect(() => matchInterrupted(rows, 'ok', { since, taken: new Set() })).toThrow(/WAMM_TIMEZONE is unset/);
    expect(matchInterrupted(rows, 'ok', { since, taken: new Set() }, 'UTC')?.externalId).toBe('12');
  });
});

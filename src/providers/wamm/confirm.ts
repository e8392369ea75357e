import type { InterruptedSend } from '../../model/send-attempt';
import { zonedToUtc } from '../../model/time';
import type { SendResult } from '../types';

/** msg_get answers at most this many of a chat's newest messages. */
export const CHAT_PAGE = 100;

/**
 * Did an interrupted msg_to reach WAMM? `rows` are the chat's newest messages (msg_get). No clock
 * is needed: WAMM's msg_id only grows, and the outbox recorded the chat's highest id it knew
 * before the request went out (attempt.knownOrderKey), so the send, if it arrived, is one of ours
 * (from_me, not typed by an operator) with exactly this text and a higher id. Several interrupted
 * sends of the same text match one to one: the lowest such id not `taken` by another outbox item.
 * With WAMM_TIMEZONE set, its date_ins must also be no earlier than a minute before the attempt.
 *
 * null (surely not sent): no match, and the page reaches back to the recorded id (or holds the
 * whole chat). Throws (cannot tell) when the chat moved on by more than a page since.
 */
export function matchInterrupted(rows: Record<string, unknown>[], text: string, interrupted: InterruptedSend, timeZone?: string): SendResult | null {
  const known = interrupted.attempt?.knownOrderKey;
  if (known === undefined) return matchByTime(rows, text, interrupted.since, timeZone);
  const after = Date.parse(interrupted.since) - 60_000;
  const recentEnough = (r: Record<string, unknown>) => !timeZone || at(r, timeZone) >= after;
  const ours = rows
    .filter((r) => isOurs(r, text) && Number(r.msg_id) > known && !interrupted.taken.has(String(Number(r.msg_id))) && recentEnough(r))
    .sort((a, b) => Number(a.msg_id) - Number(b.msg_id));
  if (ours.length > 0) return idOf(ours[0]!);
  if (rows.length < CHAT_PAGE || rows.some((r) => Number(r.msg_id) <= known)) return null;
  throw new Error(`the chat moved on by more than ${CHAT_PAGE} messages since the send, so msg_get cannot show whether it arrived`);
}

/** Sends claimed before the id was recorded (migration 005): only WAMM's clock can tell, in WAMM_TIMEZONE. */
function matchByTime(rows: Record<string, unknown>[], text: string, since: string, timeZone?: string): SendResult | null {
  if (!timeZone) throw new Error('the send recorded no msg_id to compare with and WAMM_TIMEZONE is unset, so WAMM times cannot be compared either');
  // A minute of slack for clock skew between WAMM and us; date_ins has whole seconds only.
  const after = Date.parse(since) - 60_000;
  const ours = rows.filter((r) => isOurs(r, text) && at(r, timeZone) >= after).sort((a, b) => Number(b.msg_id) - Number(a.msg_id));
  if (ours.length > 0) return idOf(ours[0]!);
  const oldest = Math.min(...rows.map((r) => at(r, timeZone)));
  if (rows.length < CHAT_PAGE || oldest < after) return null;
  throw new Error(`the newest ${CHAT_PAGE} messages of the chat do not reach back to the attempt`);
}

const isOurs = (r: Record<string, unknown>, text: string) => String(r.from_me) === '1' && String(r.from_api ?? '1') !== '0' && r.msg_text === text;

const at = (r: Record<string, unknown>, zone: string) => Date.parse(zonedToUtc(String(r.date_ins ?? ''), zone) ?? '');

export function idOf(r: Record<string, unknown>): SendResult {
  const id = r.msg_id;
  if (id === undefined || id === null || id === '') return {};
  const n = Number(id);
  return { externalId: String(Number.isFinite(n) ? n : id), orderKey: Number.isFinite(n) ? n : undefined };
}

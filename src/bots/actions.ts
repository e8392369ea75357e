import type { Button, Message } from '../model';

/**
 * Buttons where a provider has none: the options go out numbered in the text and the customer's
 * answer is matched against them. The question stays open this long (pending_choices).
 */
export const CHOICE_TTL_MS = 24 * 60 * 60 * 1000;

/** Telegram's callback_data holds 64 bytes; an action must fit everywhere. */
const MAX_ACTION_BYTES = 64;

export function checkButtons(rows: Button[][]): Button[] {
  if (!Array.isArray(rows) || !rows.every(Array.isArray))
    throw new TypeError('buttons: expected rows of { text, action }, e.g. [[{ text: "Yes", action: "yes" }]]');
  const all = rows.flat();
  for (const b of all) {
    if (typeof b?.text !== 'string' || b.text === '') throw new TypeError('buttons: every button needs a text');
    if (typeof b.action !== 'string' || b.action === '') throw new TypeError(`buttons: "${b.text}" needs an action`);
    if (Buffer.byteLength(b.action) > MAX_ACTION_BYTES) throw new TypeError(`buttons: action "${b.action}" is longer than ${MAX_ACTION_BYTES} bytes`);
  }
  return all;
}

/** "Confirm?\n\n1. Yes  2. No" */
export function numbered(text: string | undefined, options: Button[]): string {
  const list = options.map((b, i) => `${i + 1}. ${b.text}`).join('  ');
  return text ? `${text}\n\n${list}` : list;
}

const normal = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[.!)]+$/, '');

/** The option an answer names: its number ("2", "2."), its text ("yes") or its action. */
export function matchChoice(answer: string | null | undefined, options: Button[]): Button | undefined {
  if (!answer) return undefined;
  const a = normal(answer);
  if (/^\d+$/.test(a)) return options[Number(a) - 1];
  return options.find((b) => normal(b.text) === a) ?? options.find((b) => normal(b.action) === a);
}

/** A stored message that is a button press (Telegram's callback_query): its action. */
export function actionOf(message: Message | undefined): string | undefined {
  if (message?.direction !== 'inbound' || message.kind !== 'event') return undefined;
  const a = message.meta?.action;
  return typeof a === 'string' ? a : undefined;
}

import { z } from 'zod';
import { validate, type Decoded } from '../decode';

/**
 * MQTT CHAT (Telifoun) callbacks (PROVIDERS.md §3, seed 001): two JSON shapes on one URL, a presence
 * change and a new 1-to-1 message. The doc's example has numbers for ids and times; user ids are
 * the site's own `data-user-id`, so digit strings are accepted too. [GUESS]
 */

const userId = z.union([z.number().int().nonnegative(), z.string().trim().min(1)], { error: 'expected a user id (number or string)' }).transform(String);
const unixSeconds = z
  .union([z.number().nonnegative(), z.string().trim().regex(/^\d+$/, 'expected Unix seconds')], { error: 'expected Unix seconds' })
  .transform(Number);
const messageIdNumber = z
  .union([z.number().int().positive(), z.string().trim().regex(/^\d+$/, 'expected digits')], { error: 'expected a message id (digits)' })
  .transform(Number);
/** p1-p3 meaning per type is undocumented: keep whatever comes, as text. */
const param = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined ? undefined : String(v)));

export const PresenceCallback = z.object({
  userid: userId,
  status: z.string().trim().min(1),
  timestamp: unixSeconds,
});
export type PresenceCallback = z.output<typeof PresenceCallback>;

export const ChatMessage = z
  .object({
    id: messageIdNumber,
    message: z
      .union([z.string(), z.null()])
      .optional()
      .transform((v) => v ?? ''),
    p1: param,
    p2: param,
    p3: param,
    /** The seed's field table spells it P3, its example p3. */
    P3: param,
    timestamp: unixSeconds,
    type: z.union([z.number().int().nonnegative(), z.string().trim().regex(/^\d+$/)], { error: 'expected a message type 0-5' }).transform(Number),
  })
  .transform(({ P3, ...m }) => ({ ...m, p3: m.p3 ?? P3 }));
export type ChatMessage = z.output<typeof ChatMessage>;

export const MessageCallback = z.object({
  from_userid: userId,
  to_userid: userId,
  message: ChatMessage,
});
export type MessageCallback = z.output<typeof MessageCallback>;

/** What the door needs of a message callback our schema cannot read: the message id (issue 16). Presence has no id of its own. */
export const MqttChatMessageId = z.looseObject({ message: z.looseObject({ id: messageIdNumber }) });

export type MqttChatCallback = { kind: 'presence'; body: PresenceCallback } | { kind: 'message'; body: MessageCallback };

/** Tell the two shapes apart by their keys, so a bad body gets an error about the shape it meant to be. */
export function readCallback(value: unknown): Decoded<MqttChatCallback> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'body: expected a JSON object (a presence or a message callback)' };
  }
  if ('message' in value || 'from_userid' in value || 'to_userid' in value) {
    const v = validate(MessageCallback, value);
    return v.ok ? { ok: true, value: { kind: 'message', body: v.value } } : v;
  }
  if ('userid' in value || 'status' in value) {
    const v = validate(PresenceCallback, value);
    return v.ok ? { ok: true, value: { kind: 'presence', body: v.value } } : v;
  }
  return { ok: false, error: 'body: expected a presence callback {userid, status, timestamp} or a message callback {from_userid, to_userid, message}' };
}

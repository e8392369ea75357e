import { z } from 'zod';

/**
 * WAMM.chat webhook bodies (PROVIDERS.md §2, seed 004). WAMM sends msg_id and from_me as numbers in
 * the `msg` webhook but as strings in `msg_state` and in the polling API, so ids are coerced here
 * once and normalize sees one type.
 */

const intLike = z.union([z.number().int().nonnegative(), z.string().trim().regex(/^\d+$/, 'expected digits')]).transform(Number);
const flag = z.union([z.literal(0), z.literal(1), z.literal('0'), z.literal('1'), z.boolean()]).transform((v) => v === 1 || v === '1' || v === true);
const idString = z.union([z.string().trim().min(1), z.number().int().nonnegative()]).transform(String);
const nullableText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
const wammDate = z.string().regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$/, 'expected YYYY-MM-DD HH:MM:SS');

export const WammMessage = z.object({
  msg_id: intLike,
  qoute_msg_id: z
    .union([intLike, z.literal('')])
    .nullish()
    .transform((v) => (v === '' || v == null ? undefined : v)),
  from_api: flag.optional().transform((v) => v ?? false),
  from_me: flag,
  phone_acc: idString,
  phone: idString,
  chat_name: nullableText,
  tip_msg: z.string().min(1),
  msg_text: nullableText,
  msg_link: nullableText,
  date_ins: wammDate,
  state: nullableText,
  senderId: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((v) => (v == null || v === '' ? undefined : String(v))),
  senderName: nullableText,
});
export type WammMessage = z.output<typeof WammMessage>;

export const WammStatus = z.object({
  msg_id: intLike,
  date_upd: wammDate,
  state: z.string().min(1),
});
export type WammStatus = z.output<typeof WammStatus>;

export const WammWebhook = z.discriminatedUnion('tip', [
  z.object({ tip: z.literal('msg'), msg_data: WammMessage }),
  z.object({ tip: z.literal('msg_state'), msg_data: WammStatus }),
]);
export type WammWebhook = z.output<typeof WammWebhook>;

/** What the door needs of a body our schema cannot read: the kind and the message id (issue 16). */
export const WammIdentity = z.object({
  tip: z.enum(['msg', 'msg_state']),
  msg_data: z.looseObject({ msg_id: intLike, state: z.unknown().optional(), date_upd: z.unknown().optional() }),
});

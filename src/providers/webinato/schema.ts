import { z } from 'zod';

/**
 * Webinato's RealTimeChat web call (PROVIDERS.md §1, seed 000): a form-urlencoded POST per room and
 * interval. Every form field is a string; `msgsJSON` is a JSON array inside one of them.
 */

/** The JSON types inside msgsJSON are undocumented: accept numbers or digit strings. [GUESS] */
const count = z
  .union([z.number().int().nonnegative(), z.string().trim().regex(/^\d+$/, 'expected digits')], { error: 'expected a whole number (or digits)' })
  .transform(Number);

export const WebinatoMessage = z.object({
  authorName: z.string(),
  /** 0 or 1 attendee, 2 presenter, 3 organizer. */
  authorRole: count,
  /** Unix seconds, GMT. */
  ts: count,
  /** "Incremental" per the doc: the order of the room. */
  msgID: count,
  text: z.string(),
});
export type WebinatoMessage = z.output<typeof WebinatoMessage>;

const messagesJson = z
  .string({ error: 'expected a JSON string holding an array of messages' })
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `not valid JSON (${(e as Error).message})` });
      return z.NEVER;
    }
  })
  .pipe(z.array(WebinatoMessage, { error: 'expected a JSON array of {authorName, authorRole, ts, msgID, text}' }));

const batchNo = z
  .string({ error: 'required' })
  .trim()
  .regex(/^\d+$/, 'expected a positive whole number')
  .transform(Number)
  .refine((n) => n > 0 && Number.isSafeInteger(n), 'expected a positive whole number');
const roomID = z.string({ error: 'required' }).trim().min(1);

export const WebinatoForm = z.object({
  inquiry: z.literal('realTimeChat', { error: 'expected "realTimeChat" (Webinato answers anything else with "Bad Inquiry")' }),
  /** Always "Webinato"; a constant anyone can forge, so the path secret is what authenticates. */
  sender: z.string({ error: 'required' }).trim().min(1),
  roomID,
  /** 1, 2, 3… from room start: lets late web calls be spotted. */
  batchNo,
  msgsJSON: messagesJson,
});
export type WebinatoForm = z.output<typeof WebinatoForm>;
/** The form as received (all strings): what is stored, so the raw batch can be re-read later. */
export type WebinatoFormInput = z.input<typeof WebinatoForm>;

/** What the door needs of a form our schema cannot read: the room and its batch number (issue 16). */
export const WebinatoBatchId = z.looseObject({ roomID, batchNo, msgsJSON: z.string().optional() });

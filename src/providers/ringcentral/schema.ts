import { z } from 'zod';
import { isIsoTime } from '../../model/time';

/**
 * RingCentral notification envelope (PROVIDERS.md §5, code-samples/events/*.json): {uuid, event,
 * timestamp, subscriptionId, ownerId?, body}. The envelope is documented; the webinar `body` is
 * not ([GUESS], no published example), so it is kept as an open record and read defensively in
 * normalize.ts.
 */

/** The four webinar event filters (seed 003). */
export const WEBINAR_EVENT_FILTERS = [
  '/webinar/configuration/v1/company/sessions',
  '/webinar/runtime/v1/company/sessions/state',
  '/webinar/registration/v1/company/sessions/state',
  '/webinar/registration/v1/company/sessions/registrants',
] as const;

/**
 * RingCentral's own examples print the zone both ways ("2024-05-17T20:56:59.006Z" and
 * "…+0000"); the colon-less offset is read as the ISO one.
 */
const isoTime = z
  .string()
  .transform((v) => v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
  .refine(isIsoTime, 'expected an ISO 8601 time such as 2024-05-17T20:56:59.006Z');
const id = z.union([z.string().min(1), z.number()]).transform(String);

export const RingCentralEnvelope = z.object({
  uuid: z.string().min(1),
  event: z.string().min(1),
  timestamp: isoTime,
  subscriptionId: z.string().min(1),
  ownerId: id.optional(),
  body: z.record(z.string(), z.unknown()),
});
export type RingCentralEnvelope = z.output<typeof RingCentralEnvelope>;

/** What the door needs of an envelope our schema cannot read (issue 16). */
export const RingCentralUuid = z.looseObject({ uuid: z.string().min(1) });

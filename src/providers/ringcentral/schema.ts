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

const isoTime = z.string().refine(isIsoTime, 'expected an ISO 8601 time such as 2024-05-17T20:56:59.006Z');
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

import { z } from 'zod';
import { isIsoTime } from '../../model/time';

/**
 * SuperViz Real-time webhook bodies (seed 002, PROVIDERS.md §4): one event object (single mode) or
 * an array of at most 1,000 (batch mode). `roomId`, `presenceId` and `socketId` are optional (the
 * field set changed between SDK generations); `socketId` is null when no participant published it.
 */

export const MAX_BATCH = 1000;

const isoTime = z.string().refine(isIsoTime, 'expected an ISO 8601 time such as 2024-05-17T20:56:59.006Z');
const optionalId = z
  .string()
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' ? undefined : v));

export const SuperVizEvent = z.object({
  // Our own echoes and the REST history carry none: not needed to read an event.
  apiKey: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  roomId: optionalId,
  channel: z.string().min(1),
  event: z.string().min(1),
  date: isoTime,
  // [GUESS] an event published without a payload arrives with data null or absent: kept as {}.
  data: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((v) => v ?? {}),
  presenceId: optionalId,
  socketId: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
});
export type SuperVizEvent = z.output<typeof SuperVizEvent>;

export const SuperVizBatch = z.array(SuperVizEvent).max(MAX_BATCH, `a batch holds at most ${MAX_BATCH} events (SuperViz queues the rest for the next one)`);

/**
 * GET /realtime/{channel} (PROVIDERS.md §4, "channels" REST page): the channel, its last 250
 * events ({name, timestamp ms, participantId, connectionId, data}) and its participants.
 */
export const ChannelHistory = z.looseObject({
  channel: z.looseObject({ name: z.string().optional(), apiKey: z.string().nullish() }).nullish(),
  events: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        timestamp: z.number(),
        participantId: z.string().nullish(),
        connectionId: z.string().nullish(),
        data: z.unknown(),
      }),
    )
    .default([]),
});
export type ChannelHistory = z.output<typeof ChannelHistory>;

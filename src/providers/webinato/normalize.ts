import { createHash } from 'node:crypto';
import type { NormalizedEvent, Role } from '../../model';
import { fromUnixSeconds } from '../../model/time';
import type { NormalizeContext } from '../types';
import { WebinatoForm, type WebinatoMessage } from './schema';

export const PROVIDER = 'webinato';

/** authorRole: 0 or 1 attendee, 2 presenter, 3 organizer (seed 000). Unknown numbers read as attendee. */
export const roleOf = (authorRole: number): Role => (authorRole === 3 ? 'organizer' : authorRole === 2 ? 'presenter' : 'attendee');

/** msgID is only documented as "incremental", not global: compose it with the room. [GUESS] */
export const messageId = (roomID: string, msgID: number) => `${roomID}:${msgID}`;

function message(roomID: string, batchNo: number, m: WebinatoMessage): NormalizedEvent {
  return {
    type: 'message',
    conversation: { provider: PROVIDER, externalId: roomID, title: `Webinato room ${roomID}`, address: { roomID } },
    externalId: messageId(roomID, m.msgID),
    direction: 'inbound',
    // Webinato sends no author id: the name, scoped to the room, is the best identity there is. [GUESS]
    author: { externalId: `${roomID}:${m.authorName}`, name: m.authorName, role: roleOf(m.authorRole) },
    kind: 'text',
    text: m.text,
    sentAt: fromUnixSeconds(m.ts),
    status: 'received',
    // msgID, not batchNo: a late lower batch then reads in the room's own order.
    orderKey: m.msgID,
    dispatch: true,
    meta: { batchNo, authorRole: m.authorRole },
  };
}

export function normalize(payload: unknown, _ctx: NormalizeContext): NormalizedEvent[] {
  const form = WebinatoForm.parse(payload);
  return [
    ...form.msgsJSON.map((m) => message(form.roomID, form.batchNo, m)),
    // The store keeps the highest batchNo per room and records skipped numbers as gaps; a late batch fills its gap.
    { type: 'sequence', provider: PROVIDER, scope: form.roomID, sequence: form.batchNo },
  ];
}

/**
 * A content hash, not (roomID, batchNo): batchNo starts again at 1 with each room session, so two
 * different batches can share it. A retried batch has the same bytes and the same key; messages
 * are deduped again on `${roomID}:${msgID}` in the store. [GUESS: Webinato's retry behaviour is undocumented]
 */
export function deliveryKey(roomID: string, batchNo: number, msgsJSON: string): string {
  const hash = createHash('sha256').update(`${roomID}\n${batchNo}\n${msgsJSON}`).digest('hex').slice(0, 32);
  return `batch:${roomID}:${batchNo}:${hash}`;
}

import type { ConversationInfo, NormalizedEvent, ParticipantRef } from '../../model';
import type { NormalizeContext } from '../types';
import { RingCentralEnvelope } from './schema';

export const PROVIDER = 'ringcentral';

/**
 * Webinar notifications → session events in one conversation per webinar session. RingCentral
 * publishes no webinar notification body ([GUESS] everything read from `body` below): the field
 * names are the ones of the REST resources (SessionGlobalResource, RegSessionModel,
 * RegistrantBaseModel), accepted at the top level of `body` or nested under `session` /
 * `registrant` / `webinar`. Unknown shapes still become an event (name from the filter), never an error.
 */

type Rec = Record<string, unknown>;
type Kind = 'session' | 'session-state' | 'registration-state' | 'registrant' | 'other';

const KIND_BY_FILTER: Record<string, Kind> = {
  '/webinar/configuration/v1/company/sessions': 'session',
  '/webinar/runtime/v1/company/sessions/state': 'session-state',
  '/webinar/registration/v1/company/sessions/state': 'registration-state',
  '/webinar/registration/v1/company/sessions/registrants': 'registrant',
};

const rec = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : undefined);

/** The first of `keys` present in `o` as a non-empty string or a number, as a string. */
function str(o: Rec | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = o?.[k];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

const word = (v: string) => v.replace(/[^A-Za-z0-9]+/g, '').toLowerCase();

/** [GUESS] how a change is labelled (created / updated / deleted); absent = updated. */
function changeOf(body: Rec, inner: Rec | undefined): string {
  const raw = str(body, 'eventType', 'changeType', 'action', 'operation', 'type') ?? str(inner, 'eventType', 'changeType', 'action');
  if (!raw) return 'updated';
  const w = word(raw);
  if (/^(create|created|add|added|new|register|registered)$/.test(w)) return 'created';
  if (/^(delete|deleted|remove|removed|cancel|cancelled|canceled)$/.test(w)) return 'deleted';
  return w === 'update' || w === 'modify' || w === 'modified' ? 'updated' : w;
}

/** Runtime states ([GUESS] values of runtimeStatus: Scheduled, Active, Finished…) → start / end. */
function stateName(state: string | undefined): string {
  if (!state) return 'session.state';
  const w = word(state);
  if (/^(active|started|start|live|inprogress|running|broadcasting)$/.test(w)) return 'session.started';
  if (/^(finished|ended|end|completed|complete|closed|stopped)$/.test(w)) return 'session.ended';
  return `session.${w}`;
}

function webinarIdFromFilter(event: string): string | undefined {
  const q = event.indexOf('?');
  return q < 0 ? undefined : (new URLSearchParams(event.slice(q + 1)).get('webinarId') ?? undefined);
}

function hostOf(body: Rec, session: Rec | undefined, webinar: Rec | undefined): ParticipantRef | undefined {
  const host = rec(session?.host) ?? rec(webinar?.host) ?? rec(body.host);
  const linked = rec(host?.linkedUser);
  const id = str(linked, 'userId', 'id') ?? str(host, 'userId', 'id') ?? str(body, 'hostUserId') ?? str(session, 'hostUserId');
  if (!id) return undefined;
  const name = [str(host, 'firstName'), str(host, 'lastName')].filter(Boolean).join(' ') || str(host, 'name');
  return { externalId: `user:${id}`, name: name || undefined, role: 'organizer' };
}

function registrantOf(body: Rec): { ref?: ParticipantRef; registrant?: Rec } {
  const registrant = rec(body.registrant) ?? body;
  const id = str(registrant, 'id', 'registrantId') ?? str(body, 'registrantId') ?? str(registrant, 'email');
  if (!id) return { registrant };
  const name = [str(registrant, 'firstName'), str(registrant, 'lastName')].filter(Boolean).join(' ') || str(registrant, 'name', 'email');
  return { ref: { externalId: `registrant:${id}`, name: name || undefined, role: 'attendee' }, registrant };
}

export function normalize(payload: unknown, _ctx: NormalizeContext): NormalizedEvent[] {
  const env = RingCentralEnvelope.parse(payload);
  const filter = env.event.split('?')[0]!.replace(/\/+$/, '');
  const kind: Kind = KIND_BY_FILTER[filter] ?? 'other';
  const body = env.body;
  const session = rec(body.session) ?? (kind === 'registrant' ? undefined : body);
  const webinar = rec(body.webinar) ?? rec(session?.webinar);
  const { ref: registrant, registrant: registrantBody } = kind === 'registrant' ? registrantOf(body) : {};

  const sessionId =
    str(body, 'sessionId') ?? str(rec(body.session), 'id') ?? str(registrantBody, 'sessionId') ?? (kind !== 'registrant' ? str(body, 'id') : undefined);
  const webinarId = str(body, 'webinarId') ?? str(webinar, 'id') ?? str(session, 'webinarId') ?? webinarIdFromFilter(env.event);
  const title = str(session, 'title') ?? str(webinar, 'title') ?? str(body, 'webinarTitle', 'title');

  let name: string;
  let participant: ParticipantRef | undefined;
  switch (kind) {
    case 'session':
      name = `session.${changeOf(body, session)}`;
      participant = hostOf(body, session, webinar);
      break;
    case 'session-state':
      name = stateName(str(session, 'runtimeStatus', 'status', 'state', 'newState') ?? str(body, 'runtimeStatus', 'status', 'state', 'newState'));
      participant = hostOf(body, session, webinar);
      break;
    case 'registration-state': {
      const status = str(body, 'registrationStatus', 'status', 'state') ?? str(session, 'registrationStatus');
      name = status ? `registration.${word(status)}` : 'registration.updated';
      break;
    }
    case 'registrant':
      name = `registrant.${changeOf(body, registrantBody)}`;
      participant = registrant;
      break;
    default:
      name = `webinar${filter.replace(/^\/webinar/, '').replace(/\//g, '.')}`;
  }

  // The session id alone keys the conversation: not every notification may carry the webinar id,
  // and one session must not split into two conversations. Without a session id (an unknown body)
  // the subscription stands in so the event is still kept.
  const conversation: ConversationInfo = {
    provider: PROVIDER,
    externalId: sessionId ?? `subscription:${env.subscriptionId}`,
    // Only notifications that carry a title set it: a fallback would overwrite the real one later.
    title,
    address: { ...(webinarId ? { webinarId } : {}), ...(sessionId ? { sessionId } : {}) },
  };
  const at = new Date(env.timestamp).toISOString();
  return [
    {
      type: 'session',
      conversation,
      name,
      participant,
      at,
      externalId: env.uuid,
      orderKey: Date.parse(at),
      data: { event: env.event, subscriptionId: env.subscriptionId, ...(webinarId ? { webinarId } : {}), ...(sessionId ? { sessionId } : {}), body },
    },
  ];
}

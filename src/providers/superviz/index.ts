import type { Config } from '../../config/env';
import { secretEquals } from '../../base/secret';
import { decodeJson, header, validate } from '../decode';
import type { Delivery, ParseOutcome, ProviderAdapter, VerifyOutcome, WebhookRequest } from '../types';
import { SuperVizClient } from './client';
import { eventKey, normalize, PROVIDER, rawEventKey } from './normalize';
import { startPoller } from './poller';
import { MAX_BATCH, SuperVizEvent } from './schema';

/**
 * SuperViz does not document how it sends the dashboard token ([GUESS] PROVIDERS.md §4, probably
 * Authorization, raw or Bearer). With SUPERVIZ_WEBHOOK_HEADER set, that header must carry the
 * webhook secret too, either form accepted.
 */
export function verifySuperViz(req: WebhookRequest, config: Config): VerifyOutcome {
  const name = config.SUPERVIZ_WEBHOOK_HEADER;
  if (!name) return { ok: true };
  const secret = config.SUPERVIZ_WEBHOOK_SECRET!;
  const given = header(req, name);
  if (given === undefined) return { ok: false, error: `missing ${name} header` };
  const bearer = /^Bearer\s+(.+)$/i.exec(given)?.[1];
  // Both forms compared every time so the timing says nothing about which one was tried.
  const raw = secretEquals(given.trim(), secret);
  const byBearer = secretEquals(bearer?.trim() ?? '', secret);
  return raw || byBearer ? { ok: true } : { ok: false, error: `wrong ${name} header` };
}

/** One Delivery per event, so a batch re-sent in part or in full overlaps event by event. */
export function parseSuperViz(req: WebhookRequest): ParseOutcome {
  const json = decodeJson(req.rawBody);
  if (!json.ok) return json;
  if (Array.isArray(json.value) && json.value.length > MAX_BATCH) {
    return { ok: false, error: `batch of ${json.value.length} events; SuperViz sends at most ${MAX_BATCH} per request` };
  }
  // Event by event: one our schema cannot read is stored raw under a hash of its content (SuperViz
  // sends no event id) for normalize to quarantine; the others of its batch are unaffected.
  const list: unknown[] = Array.isArray(json.value) ? json.value : [json.value];
  const deliveries: Delivery[] = [];
  for (const [i, raw] of list.entries()) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return { ok: false, error: `${Array.isArray(json.value) ? `${i}: ` : ''}expected an event object` };
    const e = validate(SuperVizEvent, raw);
    deliveries.push(e.ok ? { key: eventKey(e.value), payload: e.value } : { key: rawEventKey(raw), payload: raw });
  }
  return { ok: true, deliveries };
}

/** SuperViz Real-time: channel events by webhook, replies published to the channel, catch-up from channel history. */
export const superviz: ProviderAdapter = {
  name: PROVIDER,
  title: 'SuperViz Real-time',
  enableVariable: 'SUPERVIZ_WEBHOOK_SECRET',
  capabilities: { receive: true, reply: true, poll: true },
  webhookSecret: (c) => c.SUPERVIZ_WEBHOOK_SECRET,
  verify: verifySuperViz,
  parse: parseSuperViz,
  normalize,
  createClient: (c, log) =>
    c.SUPERVIZ_CLIENT_ID && c.SUPERVIZ_SECRET
      ? new SuperVizClient(c.SUPERVIZ_API_URL, c.SUPERVIZ_CLIENT_ID, c.SUPERVIZ_SECRET, c.SUPERVIZ_MESSAGE_EVENT, log)
      : undefined,
  apiUrlVariable: 'SUPERVIZ_API_URL',
  polls: (c) => !!c.SUPERVIZ_CLIENT_ID && !!c.SUPERVIZ_SECRET && c.SUPERVIZ_POLL_INTERVAL_MS > 0,
  start(runtime) {
    const {
      SUPERVIZ_CLIENT_ID: id,
      SUPERVIZ_SECRET: secret,
      SUPERVIZ_API_URL: url,
      SUPERVIZ_POLL_INTERVAL_MS: interval,
      SUPERVIZ_MESSAGE_EVENT: event,
    } = runtime.config;
    if (!id || !secret) {
      runtime.log.info('SuperViz catch-up off: set SUPERVIZ_CLIENT_ID and SUPERVIZ_SECRET to read channel history the webhook missed');
      return;
    }
    if (interval === 0) {
      runtime.log.info('SuperViz catch-up off (SUPERVIZ_POLL_INTERVAL_MS=0)');
      return;
    }
    startPoller(new SuperVizClient(url, id, secret, event, runtime.log), runtime, interval);
  },
};

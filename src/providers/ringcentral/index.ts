import type { Config } from '../../config/env';
import { secretEquals } from '../../base/secret';
import { header, identity, parseJsonLenient } from '../decode';
import type { ProviderAdapter, VerifyOutcome, WebhookRequest } from '../types';
import { normalize, PROVIDER } from './normalize';
import { RingCentralEnvelope, RingCentralUuid } from './schema';

/**
 * The subscription handshake (creating-webhooks.md): echo Validation-Token in a response header,
 * 200, empty body, whole response ≤1024 bytes. Content-Type is sent although the body is empty
 * because RingCentral rejects the handshake otherwise (SUB-525).
 */
const handshake = (token: string): VerifyOutcome => ({
  ok: 'respond',
  status: 200,
  headers: { 'Validation-Token': token, 'Content-Type': 'application/json' },
});

/** [GUESS] a handshake carries no notification; a body with uuid and event is a notification. */
function looksLikeNotification(raw: Buffer): boolean {
  if (raw.length === 0) return false;
  try {
    const v = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    return typeof v?.uuid === 'string' && typeof v?.event === 'string';
  } catch {
    return false;
  }
}

/**
 * The docs disagree on the header a notification carries our token in (Verification-Token until
 * 2023, Validation-Token after), so either one equal to RINGCENTRAL_VERIFICATION_TOKEN proves a
 * notification; a Validation-Token that is not our token is the creation handshake.
 */
export function verifyRingCentral(req: WebhookRequest, config: Config): VerifyOutcome {
  const validation = header(req, 'validation-token');
  const verification = header(req, 'verification-token');
  const token = config.RINGCENTRAL_VERIFICATION_TOKEN;
  if (token) {
    // Both compared every time so the answer's timing does not say which header matched.
    const byVerification = secretEquals(verification, token);
    const byValidation = secretEquals(validation, token);
    if (byVerification || byValidation) return { ok: true };
    if (validation !== undefined) return handshake(validation);
    return { ok: false, error: verification === undefined ? 'missing Verification-Token header' : 'wrong Verification-Token' };
  }
  // Without a configured token nothing proves a notification but the path secret; a Validation-Token
  // request is the handshake unless it carries a notification envelope (the post-2023 docs send the
  // header on every notification).
  if (validation !== undefined && !looksLikeNotification(req.rawBody)) return handshake(validation);
  return { ok: true };
}

/** RingCentral Webinar: session and registrant notifications. Receive-only: no webinar chat API exists. */
export const ringcentral: ProviderAdapter = {
  name: PROVIDER,
  title: 'RingCentral Webinar',
  enableVariable: 'RINGCENTRAL_WEBHOOK_SECRET',
  capabilities: { receive: true, reply: false, poll: false },
  webhookSecret: (c) => c.RINGCENTRAL_WEBHOOK_SECRET,
  verify: verifyRingCentral,
  parse: (req) =>
    parseJsonLenient(
      req,
      RingCentralEnvelope,
      (env) => [{ key: env.uuid, payload: env }],
      (raw) => identity(RingCentralUuid, raw, (env) => [{ key: env.uuid, payload: raw }]),
    ),
  normalize,
};

import express, { type Request, type Response } from 'express';
import type { Logger } from 'winston';
import type { Config } from '../config/env';
import type { Ingest } from '../pipeline/ingest';
import type { ProviderAdapter, WebhookRequest } from '../providers/types';
import type { Metrics } from './metrics';
import { secretEquals } from './secret';

/**
 * POST /webhooks/<provider>/<secret>: check the secret, let the provider verify and validate,
 * store durably (group commit), and only then answer 200. Processing happens after the answer.
 */
export function webhookRouter(deps: { config: Config; adapters: Map<string, ProviderAdapter>; ingest: Ingest; metrics: Metrics; log: Logger }) {
  const { config, adapters, ingest, metrics, log } = deps;
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: config.BODY_LIMIT });

  const answer = (res: Response, provider: string, status: number, body: unknown) => {
    metrics.webhooks.inc({ provider, status: String(status) });
    res.status(status).json(body);
  };

  router.post('/webhooks/:provider/:secret', raw, async (req: Request, res: Response) => {
    const started = process.hrtime.bigint();
    const name = String(req.params.provider);
    const adapter = adapters.get(name);
    const label = adapter ? name : 'unknown';
    const secret = adapter?.webhookSecret(config);
    if (!adapter || !secret) return answer(res, label, 404, { error: `no enabled provider "${name}"` });
    if (!secretEquals(String(req.params.secret), secret)) return answer(res, name, 401, { error: 'wrong webhook secret' });

    const wr: WebhookRequest = {
      headers: req.headers,
      rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      contentType: String(req.headers['content-type'] ?? ''),
    };
    const verified = adapter.verify ? adapter.verify(wr, config) : { ok: true as const };
    if (verified.ok === 'respond') {
      metrics.webhooks.inc({ provider: name, status: String(verified.status) });
      res.status(verified.status).set(verified.headers ?? {});
      return verified.body ? res.send(verified.body) : res.end();
    }
    if (!verified.ok) return answer(res, name, 401, { error: verified.error });

    const parsed = adapter.parse(wr, config);
    if (!parsed.ok) return answer(res, name, 400, { error: parsed.error });

    try {
      const outcomes = await ingest.append(name, parsed.deliveries);
      const duplicates = outcomes.filter((o) => o.duplicate).length;
      if (outcomes.length - duplicates > 0) metrics.deliveries.inc({ provider: name, result: 'stored' }, outcomes.length - duplicates);
      if (duplicates > 0) metrics.deliveries.inc({ provider: name, result: 'duplicate' }, duplicates);
      metrics.ackSeconds.observe({ provider: name }, Number(process.hrtime.bigint() - started) / 1e9);
      answer(res, name, 200, { ok: true, stored: outcomes.length - duplicates, duplicates });
    } catch (err) {
      // The store failed: a 503 makes the provider retry later, which is what we want here.
      log.error('could not store delivery', { provider: name, err });
      answer(res, name, 503, { error: 'storage unavailable; retry later' });
    }
  });
  return router;
}

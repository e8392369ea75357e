import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'winston';
import type { Config } from '../config/env';
import type { Ingest } from '../pipeline/ingest';
import type { ProviderAdapter, WebhookRequest } from '../providers/types';
import type { Counter, Histogram } from 'prom-client';
import { FailureLimiter } from '../base/failure-limiter';
import { secretEquals } from '../base/secret';
import type { Store } from '../store/types';
import { keptHeaders, requestRecord } from './kept-headers';

/**
 * POST /webhooks/<provider>/<secret>: check the secret (before reading the body), let the provider
 * verify and validate, store durably (group commit), and only then answer 200. Processing happens
 * after the answer. Clients that keep failing the secret check are answered 429 per route and IP.
 */
/** What the route counts (admin/metrics.ts creates them and /metrics shows them). */
export interface WebhookMetrics {
  webhooks: Counter<'provider' | 'status'>;
  deliveries: Counter<'provider' | 'result'>;
  ackSeconds: Histogram<'provider'>;
}

/** What a 503 asks the provider to wait: long enough for a database restart, short enough not to pile up. */
const RETRY_AFTER_SECONDS = 5;

class StoreTimeout extends Error {
  constructor(ms: number) {
    super(`the store did not answer within ${ms} ms`);
  }
}

/** `work`, or a StoreTimeout after `ms` (the work itself goes on and settles unobserved). */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeout(ms)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export function webhookRouter(deps: {
  config: Config;
  adapters: Map<string, ProviderAdapter>;
  ingest: Ingest;
  metrics: WebhookMetrics;
  log: Logger;
  limiter?: FailureLimiter;
  /** Counts authenticated requests answered 400 (the rejected count in /api/health). */
  store?: Pick<Store, 'countRejected' | 'writeProblem'>;
}) {
  const { config, adapters, ingest, metrics, log, store } = deps;
  const limiter = deps.limiter ?? new FailureLimiter();
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: config.BODY_LIMIT });

  const answer = (res: Response, provider: string, status: number, body: unknown) => {
    metrics.webhooks.inc({ provider, status: String(status) });
    res.status(status).json(body);
  };

  const authorize = (req: Request, res: Response, next: NextFunction) => {
    res.locals.started = process.hrtime.bigint();
    const name = String(req.params.provider);
    const adapter = adapters.get(name);
    const secret = adapter?.webhookSecret(config);
    if (adapter && secret && secretEquals(String(req.params.secret), secret)) return next();
    const label = adapter ? name : 'unknown';
    const client = `${label}|${req.ip ?? req.socket.remoteAddress ?? '?'}`;
    if (!limiter.allows(client)) {
      res.set('Retry-After', String(limiter.retryAfterSeconds(client)));
      return answer(res, label, 429, { error: 'too many failed requests from this address; slow down' });
    }
    limiter.charge(client);
    if (!adapter || !secret) return answer(res, label, 404, { error: `no enabled provider "${name}"` });
    return answer(res, name, 401, { error: 'wrong webhook secret' });
  };

  router.post('/webhooks/:provider/:secret', authorize, raw, async (req: Request, res: Response) => {
    const started = res.locals.started as bigint;
    const name = String(req.params.provider);
    const adapter = adapters.get(name)!;

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

    let parsed: ReturnType<ProviderAdapter['parse']>;
    try {
      parsed = adapter.parse(wr, config);
    } catch (err) {
      // A parser that throws is a bug, but the input is still what was bad: 400, never 5xx.
      log.warn('webhook parser threw; answered 400', { provider: name, error: (err as Error)?.message });
      parsed = { ok: false, error: 'unreadable body' };
    }
    if (!parsed.ok) {
      // Authenticated but unreadable: counted (shared across instances), never awaited before the answer.
      store?.countRejected(name).catch((err) => log.warn('could not count a rejected delivery', { provider: name, err }));
      return answer(res, name, 400, { error: parsed.error });
    }

    const refuse = () => {
      res.set('Retry-After', String(RETRY_AFTER_SECONDS));
      answer(res, name, 503, { error: 'storage unavailable; retry later' });
    };
    // The store is known not to take writes now (it probes for the way back each second): refuse
    // at once instead of making every webhook wait out the store's deadline on a dead database.
    if (store?.writeProblem?.()) return refuse();

    try {
      const request = requestRecord(wr.rawBody, wr.contentType, keptHeaders(req.headers, config));
      const outcomes = await within(ingest.append(name, parsed.deliveries, undefined, request), config.STORE_TIMEOUT_MS);
      const duplicates = outcomes.filter((o) => o.duplicate).length;
      if (outcomes.length - duplicates > 0) metrics.deliveries.inc({ provider: name, result: 'stored' }, outcomes.length - duplicates);
      if (duplicates > 0) metrics.deliveries.inc({ provider: name, result: 'duplicate' }, duplicates);
      metrics.ackSeconds.observe({ provider: name }, Number(process.hrtime.bigint() - started) / 1e9);
      answer(res, name, 200, { ok: true, stored: outcomes.length - duplicates, duplicates });
    } catch (err) {
      // The store failed or did not answer in time: a 503 makes the provider retry later (a commit
      // that still lands makes that retry a duplicate). The store logs once when it stops and
      // starts taking writes; a line per refused request would flood the log.
      log.debug('could not store delivery', { provider: name, error: (err as Error)?.message });
      refuse();
    }
  });
  return router;
}

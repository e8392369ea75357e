import express from 'express';
import type { Logger } from 'winston';
import { z } from 'zod';
import { describeZodError } from '../base/zod';
import type { Config } from '../config/env';
import { deliveryEvents, describeReplay, replayDeliveries } from '../pipeline/delivery-log';
import type { ProviderAdapter } from '../providers/types';
import { DELIVERY_STATUSES, type ApplyStats, type DeliveryRecord, type DeliverySummary, type Store } from '../store/types';

/** Pages are never unbounded: at most this many deliveries per answer. */
export const MAX_PAGE = 500;

/** The query of GET /api/deliveries (also the CLI's `deliveries list` options). */
export const DeliveryQuery = z.object({
  provider: z.string().min(1).optional(),
  status: z.enum(DELIVERY_STATUSES as [string, ...string[]]).optional(),
  since: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time')
    .transform((s) => new Date(s).toISOString())
    .optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  cursor: z.string().regex(/^\d+$/, 'expected the nextCursor of the previous page').optional(),
});

export function deliveryJson(d: DeliverySummary) {
  return {
    id: d.id,
    provider: d.provider,
    key: d.key,
    status: d.status,
    receivedAt: d.receivedAt,
    reason: d.reason,
    recovered: d.recovered,
    prunedAt: d.prunedAt,
  };
}

export function deliveryDetailJson(d: DeliveryRecord, events: Awaited<ReturnType<typeof deliveryEvents>>) {
  return {
    ...deliveryJson(d),
    payload: d.payload,
    body: d.request?.body ?? null,
    contentType: d.request?.contentType ?? null,
    headers: d.request?.headers ?? null,
    events,
  };
}

/**
 * The delivery log behind the admin token (mounted by adminRouter after its auth check):
 * GET /api/deliveries, GET /api/deliveries/:id, POST /api/deliveries/:id/replay and /discard.
 */
export function deliveriesRouter(deps: {
  config: Config;
  store: Store;
  adapters: Map<string, ProviderAdapter>;
  log?: Logger;
  onReplayed?: (stats: ApplyStats) => void;
}) {
  const { config, store, adapters } = deps;
  const router = express.Router();

  router.get('/api/deliveries', async (req, res) => {
    const q = DeliveryQuery.safeParse(req.query);
    if (!q.success) return res.status(400).json({ error: describeZodError(q.error) });
    const { provider, status, since, limit, cursor } = q.data;
    // One more than asked says whether there is a next page without a count.
    const rows = await store.listDeliveries({
      provider,
      status: status as DeliverySummary['status'] | undefined,
      since,
      limit: limit + 1,
      beforeId: cursor ? Number(cursor) : undefined,
    });
    const page = rows.slice(0, limit);
    res.json({ deliveries: page.map(deliveryJson), nextCursor: rows.length > limit ? String(page[page.length - 1]!.id) : null });
  });

  router.get('/api/deliveries/:id', async (req, res) => {
    const d = /^\d+$/.test(req.params.id) ? await store.getDelivery(Number(req.params.id)) : undefined;
    if (!d) return res.status(404).json({ error: `no delivery ${req.params.id}` });
    res.json({ delivery: deliveryDetailJson(d, await deliveryEvents(store, adapters, config, d)) });
  });

  router.post('/api/deliveries/:id/replay', async (req, res) => {
    const id = /^\d+$/.test(req.params.id) ? Number(req.params.id) : undefined;
    const [outcome] = id === undefined ? [] : await replayDeliveries(store, adapters, config, [id], deps.onReplayed);
    if (!outcome) return res.status(404).json({ error: `no delivery ${req.params.id}` });
    deps.log?.info('delivery replayed', {
      deliveryId: outcome.id,
      provider: outcome.provider,
      before: outcome.before,
      status: outcome.status,
      dispatches: outcome.dispatches,
    });
    res.json({ replay: { ...outcome, changed: outcome.dispatches > 0 || outcome.before !== outcome.status, message: describeReplay(outcome) } });
  });

  router.post('/api/deliveries/:id/discard', async (req, res) => {
    const id = /^\d+$/.test(req.params.id) ? Number(req.params.id) : undefined;
    const d = id === undefined ? undefined : await store.getDelivery(id);
    if (!d) return res.status(404).json({ error: `no delivery ${req.params.id}` });
    const n = await store.discardDeliveries([d.id]);
    if (n === 0) return res.status(409).json({ error: `delivery ${d.id} is ${d.status}; only quarantined or pending deliveries can be discarded` });
    deps.log?.info('delivery discarded', { deliveryId: d.id, provider: d.provider, before: d.status });
    res.json({ discarded: d.id });
  });

  return router;
}

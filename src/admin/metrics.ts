import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/types';

/** Prometheus metrics, one registry per server (tests start several in one process). */
export function createMetrics(store: Store) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const webhooks = new Counter({
    name: 'switchboard_webhook_requests_total',
    help: 'Webhook requests by provider and HTTP status',
    labelNames: ['provider', 'status'] as const,
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'switchboard_deliveries_total',
    help: 'Deliveries stored (result=stored) or dropped as provider retries (result=duplicate)',
    labelNames: ['provider', 'result'] as const,
    registers: [registry],
  });
  const ackSeconds = new Histogram({
    name: 'switchboard_webhook_ack_seconds',
    help: 'Time from request to 200 (includes the durable commit)',
    labelNames: ['provider'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const repliesSent = new Counter({ name: 'switchboard_replies_sent_total', help: 'Replies sent', labelNames: ['provider'] as const, registers: [registry] });
  // Gauges read from the store at scrape time, so every instance reports the shared truth. A scrape
  // collects every gauge at once (prom-client's Promise.all), so they share the one read in flight;
  // the next scrape reads again.
  let inFlight: ReturnType<Store['health']> | undefined;
  const healthNow = () => {
    inFlight ??= store.health().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const fromHealth = (name: string, help: string, pick: (h: Awaited<ReturnType<Store['health']>>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['provider'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const h of await healthNow()) this.set({ provider: h.provider }, pick(h));
      },
    });
  fromHealth('switchboard_gaps', 'Provider sequence numbers never received (Webinato batchNo, Telegram update_id)', (h) => h.gaps);
  fromHealth('switchboard_outbox_pending', 'Replies waiting to be sent', (h) => h.outboxPending);
  fromHealth('switchboard_outbox_dead', 'Replies dead-lettered', (h) => h.outboxDead);
  // Where a reply is between the 200 and the send: a growing one says which stage is behind.
  fromHealth('switchboard_deliveries_unprocessed', 'Deliveries stored (and acknowledged) but not yet processed', (h) => h.unprocessed);
  fromHealth('switchboard_bot_runs_pending', 'Bot runs waiting, by the provider of their conversation', (h) => h.botRunsPending);
  // The delivery log (issue 16): kept-but-unreadable, refused, and messages whose webhook was lost upstream.
  fromHealth('switchboard_deliveries_quarantined', 'Deliveries stored but unreadable by our schema, kept for replay', (h) => h.quarantined);
  fromHealth('switchboard_deliveries_rejected', 'Authenticated webhook requests answered 400 (undecodable, or no delivery id)', (h) => h.rejected);
  fromHealth('switchboard_messages_recovered_total', 'Messages that reached us by polling because their webhook never came', (h) => h.recovered);
  return { registry, webhooks, deliveries, ackSeconds, repliesSent };
}

export type Metrics = ReturnType<typeof createMetrics>;

import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config/env';
import type { Conversation, Message } from '../model';
import type { Logger } from 'winston';
import type { ProviderAdapter } from '../providers/types';
import type { ApplyStats, Store } from '../store/types';
import { FailureLimiter } from '../base/failure-limiter';
import { deliveriesRouter } from './deliveries';
import { secretEquals } from '../base/secret';
import { assessHealth, DEAD_LETTER_WINDOW_MS, type ProviderInputs } from './health';

/** /api/* behind `Authorization: Bearer $ADMIN_TOKEN`; without ADMIN_TOKEN it does not exist (404). */
export interface AdminDeps {
  config: Config;
  store: Store;
  enabledProviders: string[];
  /** Per provider: whether it polls and how its API calls went (the wiring reads them from the adapters). */
  providerCalls?: (provider: string) => Pick<ProviderInputs, 'polls' | 'apiUrlVariable' | 'api'>;
  /** For the delivery log's events and replay (without them, only the listing routes answer usefully). */
  adapters?: Map<string, ProviderAdapter>;
  log?: Logger;
  onReplayed?: (stats: ApplyStats) => void;
  /** More routes behind the same check (the operator console's JSON endpoints, src/console/). */
  routes?: express.Router;
}

export function adminRouter(deps: AdminDeps) {
  const { config, store, enabledProviders } = deps;
  const router = express.Router();
  // Guessing the admin token is an unauthenticated flood like any other (see base/failure-limiter.ts).
  const limiter = new FailureLimiter();

  router.use('/api', (req: Request, res: Response, next: NextFunction) => {
    // A signed-in console operator (checked by the console's session middleware, mounted before).
    if (res.locals.actor) return next();
    if (!config.ADMIN_TOKEN) return res.status(404).json({ error: 'not found (set ADMIN_TOKEN to enable the admin API)' });
    const m = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
    if (!m || !secretEquals(m[1]!.trim(), config.ADMIN_TOKEN)) {
      const client = `admin|${req.ip ?? req.socket.remoteAddress ?? '?'}`;
      if (!limiter.allows(client)) {
        return res
          .status(429)
          .set('Retry-After', String(limiter.retryAfterSeconds(client)))
          .json({ error: 'too many failed requests from this address; slow down' });
      }
      limiter.charge(client);
      return res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'missing or wrong bearer token' });
    }
    next();
  });

  router.get('/api/conversations', async (req, res) => {
    const provider = typeof req.query.provider === 'string' ? req.query.provider : undefined;
    const conversations = await store.listConversations({ provider });
    res.json({ conversations: conversations.map(conversationJson) });
  });

  router.get('/api/conversations/:id', async (req, res) => {
    const c = /^\d+$/.test(req.params.id) ? await store.getConversation(Number(req.params.id)) : undefined;
    if (!c) return res.status(404).json({ error: `no conversation ${req.params.id}` });
    res.json({ conversation: conversationJson(c) });
  });

  router.get('/api/conversations/:id/messages', async (req, res) => {
    const c = /^\d+$/.test(req.params.id) ? await store.getConversation(Number(req.params.id)) : undefined;
    if (!c) return res.status(404).json({ error: `no conversation ${req.params.id}` });
    const limit = Math.min(10_000, Math.max(1, Number(req.query.limit) || 1000));
    const messages = await store.listMessages(c.id, { limit });
    res.json({ messages: messages.map(messageJson) });
  });

  // A provider that has said nothing for PROVIDER_SILENT_AFTER_MS (counted from start-up when it
  // never has, or since this start when later) is a warning, not an error: quiet hours are normal.
  // The overall status and the causes of `degraded`: health.ts.
  const startedAt = Date.now();
  router.get('/api/health', async (_req, res) => {
    const now = Date.now();
    const [health, dead, botWarnings] = await Promise.all([
      store.health(),
      store.listDeadLetters(),
      store.botWarnings(new Date(now - 86_400_000).toISOString()),
    ]);
    const recentDead = new Map<string, number>();
    for (const d of dead) if (Date.parse(d.nextAttemptAt) >= now - DEAD_LETTER_WINDOW_MS) recentDead.set(d.provider, (recentDead.get(d.provider) ?? 0) + 1);
    const inputs: ProviderInputs[] = enabledProviders.map((name) => ({
      name,
      health: health.find((x) => x.provider === name),
      polls: false,
      deadLastHour: recentDead.get(name) ?? 0,
      ...deps.providerCalls?.(name),
    }));
    const assessment = assessHealth({
      now,
      startedAt,
      silentAfterMs: config.PROVIDER_SILENT_AFTER_MS,
      providers: inputs,
      storeProblem: store.writeProblem?.(),
    });
    const providers = inputs.map(({ name, health: h, api }) => ({
      provider: name,
      lastDeliveryAt: h?.lastDeliveryAt ?? null,
      deliveries: h?.deliveries ?? 0,
      duplicatesDropped: h?.duplicates ?? 0,
      gaps: h?.gaps ?? 0,
      lastPollAt: h?.lastPollAt ?? null,
      outboxPending: h?.outboxPending ?? 0,
      outboxDead: h?.outboxDead ?? 0,
      unprocessed: h?.unprocessed ?? 0,
      botRunsPending: h?.botRunsPending ?? 0,
      quarantined: h?.quarantined ?? 0,
      rejected: h?.rejected ?? 0,
      recovered: h?.recovered ?? 0,
      silent: assessment.silent[name] ?? false,
      api: api ? { origin: api.origin, reachable: !api.failing, lastOkAt: api.lastOkAt ?? null, lastError: api.failing ? api.lastError : null } : null,
    }));
    // What bots reported in the last day (e.g. the assistant's token budget reached): warnings, not `degraded`.
    const warnings = [...assessment.warnings, ...botWarnings.map((w) => `bot ${w.bot}: ${w.message} (${w.at})`)];
    res.json({ status: assessment.status, store: store.dialect, providers, warnings });
  });

  router.get('/api/outbox/dead', async (_req, res) => {
    res.json({ deadLetters: await store.listDeadLetters() });
  });

  router.use(deliveriesRouter({ config, store, adapters: deps.adapters ?? new Map(), log: deps.log, onReplayed: deps.onReplayed }));

  if (deps.routes) router.use(deps.routes);
  router.use('/api', (_req, res) => res.status(404).json({ error: 'no such admin route' }));
  return router;
}

export function conversationJson(c: Conversation) {
  return {
    id: c.id,
    provider: c.provider,
    externalId: c.externalId,
    title: c.title,
    status: c.status,
    // The user blocked the bot (Telegram): replies there are dead-lettered until they write again.
    ...(c.address.blocked === true ? { blocked: true } : {}),
    lastMessageAt: c.lastMessageAt,
    createdAt: c.createdAt,
  };
}

export function messageJson(m: Message) {
  return {
    id: m.id,
    externalId: m.externalId,
    direction: m.direction,
    author: m.author,
    kind: m.kind,
    text: m.text,
    media: m.media,
    sentAt: m.sentAt,
    status: m.status,
    rawStatus: m.rawStatus,
    // Reached us by polling because its webhook never came: how late, from the provider's send time.
    recovered: (m.meta?.recovered as { lateMs: number } | undefined) ?? null,
    // An edited message: the texts it had before, oldest first, each with when it was replaced.
    ...(Array.isArray(m.meta?.history) ? { history: m.meta.history, editedAt: m.meta.editedAt } : {}),
  };
}

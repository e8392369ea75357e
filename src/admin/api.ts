import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config/env';
import type { Conversation, Message } from '../model';
import type { Store } from '../store/types';
import { FailureLimiter } from '../base/failure-limiter';
import { secretEquals } from '../base/secret';

/** /api/* behind `Authorization: Bearer $ADMIN_TOKEN`; without ADMIN_TOKEN it does not exist (404). */
export function adminRouter(deps: { config: Config; store: Store; enabledProviders: string[] }) {
  const { config, store, enabledProviders } = deps;
  const router = express.Router();
  // Guessing the admin token is an unauthenticated flood like any other (see base/failure-limiter.ts).
  const limiter = new FailureLimiter();

  router.use('/api', (req: Request, res: Response, next: NextFunction) => {
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
  const startedAt = Date.now();
  router.get('/api/health', async (_req, res) => {
    const health = await store.health();
    const warnings: string[] = [];
    const providers = enabledProviders.map((name) => {
      const h = health.find((x) => x.provider === name);
      const last = Math.max(startedAt, Date.parse(h?.lastDeliveryAt ?? '') || 0);
      const silentMs = Date.now() - last;
      const silent = silentMs > config.PROVIDER_SILENT_AFTER_MS;
      if (silent) warnings.push(`${name}: nothing received for ${Math.round(silentMs / 60_000)} min; check its webhook URL and connection`);
      return {
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
        silent,
      };
    });
    res.json({ status: 'ok', store: store.dialect, providers, warnings });
  });

  router.get('/api/outbox/dead', async (_req, res) => {
    res.json({ deadLetters: await store.listDeadLetters() });
  });

  router.use('/api', (_req, res) => res.status(404).json({ error: 'no such admin route' }));
  return router;
}

export function conversationJson(c: Conversation) {
  return { id: c.id, provider: c.provider, externalId: c.externalId, title: c.title, status: c.status, lastMessageAt: c.lastMessageAt, createdAt: c.createdAt };
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
  };
}

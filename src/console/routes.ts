import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { describeZodError } from '../base/zod';
import type { ConsoleStore } from '../store/console';
import type { Store } from '../store/types';
import { conversationJson, messageJson } from '../admin/api';
import type { ChangeFeed } from './events';
import { type Actor, actorOf } from './sessions';

/**
 * The console's JSON endpoints, part of the admin API (behind ADMIN_TOKEN or a console session;
 * README "Operator console"). Every list is a page; every action is written to the audit log.
 */
export const MAX_PAGE = 200;

const ListQuery = z.object({
  provider: z.string().min(1).optional(),
  status: z.enum(['open', 'handoff']).optional(),
  failing: z.enum(['1', 'true']).optional(),
  q: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  cursor: z.string().optional(),
});
const Text = z.object({ text: z.string().trim().min(1, 'write something').max(4096), force: z.boolean().optional() });
const Force = z.object({ force: z.boolean().optional() }).optional();

const encodeCursor = (c: { lastMessageAt: string | null; id: number }) => Buffer.from(`${c.lastMessageAt}|${c.id}`).toString('base64url');
function decodeCursor(s: string): { lastMessageAt: string; id: number } | undefined {
  const [at, id] = Buffer.from(s, 'base64url').toString().split('|');
  return at && id && /^\d+$/.test(id) ? { lastMessageAt: at, id: Number(id) } : undefined;
}

const idOf = (req: Request) => (/^\d+$/.test(String(req.params.id)) ? Number(req.params.id) : undefined);

export function consoleRoutes(deps: {
  store: Store;
  console: ConsoleStore;
  feed: ChangeFeed;
  providers: string[];
  /** The handoff bot's Telegram operator chat: what an operator writes here is shown there too. */
  operatorChat?: { provider: string; externalId: string };
}) {
  const { store, console: cs, feed } = deps;
  const r = express.Router();
  r.use('/api/console', express.json({ limit: '64kb' }));

  r.get('/api/console/session', (_req, res) => res.json({ actor: actorOf(res), csrfToken: res.locals.csrf ?? null }));
  r.get('/api/console/events', (req, res) => feed.serve(req, res));
  // The filters' choices, without /api/health's counting.
  r.get('/api/console/providers', (_req, res) => res.json({ providers: deps.providers }));

  r.get('/api/console/conversations', async (req, res) => {
    const q = ListQuery.safeParse(req.query);
    if (!q.success) return res.status(400).json({ error: describeZodError(q.error) });
    const after = q.data.cursor ? decodeCursor(q.data.cursor) : undefined;
    if (q.data.cursor && !after) return res.status(400).json({ error: 'cursor: expected the nextCursor of the previous page' });
    const rows = await cs.listConversations({
      provider: q.data.provider,
      status: q.data.status,
      failing: !!q.data.failing,
      search: q.data.q,
      limit: q.data.limit + 1,
      after,
    });
    const page = rows.slice(0, q.data.limit);
    res.json({
      conversations: page.map((c) => ({ ...conversationJson(c), lastText: c.lastText, failing: c.failing, claimedBy: c.claimedBy })),
      nextCursor: rows.length > q.data.limit ? encodeCursor(page[page.length - 1]!) : null,
    });
  });

  r.get('/api/console/conversations/:id', async (req, res) => {
    const id = idOf(req);
    const t = id === undefined ? undefined : await cs.timeline(id);
    if (!t) return res.status(404).json({ error: `no conversation ${req.params.id}` });
    res.json({
      ...t,
      conversation: conversationJson(t.conversation),
      messages: t.messages.map((m) => ({ ...messageJson(m), meta: m.meta, orderKey: m.orderKey })),
    });
  });

  /** Runs an action on an existing conversation, audited. */
  const onConversation =
    (action: string, fn: (id: number, actor: Actor, req: Request, res: Response) => Promise<unknown>) => async (req: Request, res: Response) => {
      const id = idOf(req);
      if (id === undefined || !(await store.getConversation(id))) return res.status(404).json({ error: `no conversation ${req.params.id}` });
      const actor = actorOf(res);
      const out = await fn(id, actor, req, res);
      if (res.headersSent) return;
      await cs.audit({ operatorId: actor.id, operatorName: actor.name, action, conversationId: id });
      res.json(out ?? { ok: true });
    };

  /** The claim the actor holds after this, or a 409 naming who has it. */
  const claimFor = async (id: number, actor: Actor, force: boolean | undefined, res: Response) => {
    const claim = await cs.claim(id, { id: actor.id ?? 0, name: actor.name }, force);
    if (claim.operatorName !== actor.name) {
      res
        .status(409)
        .json({ error: `${claim.operatorName} is answering this conversation (since ${claim.claimedAt}); send force: true to take it over`, claim });
      return undefined;
    }
    return claim;
  };

  r.post(
    '/api/console/conversations/:id/claim',
    onConversation('claimed', async (id, actor, req, res) => ({ claim: await claimFor(id, actor, Force.parse(req.body)?.force, res) })),
  );
  r.post(
    '/api/console/conversations/:id/takeover',
    onConversation('took over', async (id, actor, req, res) => {
      const claim = await claimFor(id, actor, Force.parse(req.body)?.force, res);
      if (!claim) return;
      await cs.setStatus(id, 'handoff');
      return { status: 'handoff', claim };
    }),
  );
  r.post(
    '/api/console/conversations/:id/handback',
    onConversation('handed back', async (id, actor) => {
      const c = (await store.getConversation(id))!;
      await cs.setStatus(id, 'open');
      const chat = deps.operatorChat;
      if (chat && c.status === 'handoff' && !(c.provider === chat.provider && c.externalId === chat.externalId)) {
        await cs.tell(chat, `${actor.name} (console) handed ${c.title ?? c.externalId} (${c.provider}) back to the bots.`, id);
      }
      return { status: 'open' };
    }),
  );
  r.post(
    '/api/console/conversations/:id/messages',
    onConversation('wrote to the customer', async (id, actor, req, res) => {
      const body = Text.safeParse(req.body);
      if (!body.success) return res.status(400).json({ error: describeZodError(body.error) });
      if (!(await claimFor(id, actor, body.data.force, res))) return;
      const chat = deps.operatorChat;
      const c = (await store.getConversation(id))!;
      const mirrored = chat && !(c.provider === chat.provider && c.externalId === chat.externalId) && c.status === 'handoff';
      const copy = mirrored ? { to: chat, text: `${actor.name} (console) to ${c.title ?? c.externalId} (${c.provider}):\n${body.data.text}` } : undefined;
      const item = await cs.writeAsOperator(id, actor, body.data.text, copy);
      return { outboxId: item.id, messageId: item.messageId };
    }),
  );

  r.get('/api/console/handoffs', async (_req, res) => {
    const rows = await cs.handoffInbox(MAX_PAGE);
    res.json({ conversations: rows.map((c) => ({ ...conversationJson(c), lastText: c.lastText, claimedBy: c.claimedBy, waitingSince: c.waitingSince })) });
  });

  r.get('/api/console/activity', async (_req, res) => {
    const since = new Date(Date.now() - 3600_000).toISOString();
    res.json({ since, ...(await cs.activity(since)), store: store.dialect });
  });

  r.get('/api/console/audit', async (req, res) => {
    const before = /^\d+$/.test(String(req.query.cursor ?? '')) ? Number(req.query.cursor) : undefined;
    const rows = await cs.listAudit({ limit: 101, beforeId: before });
    const page = rows.slice(0, 100);
    res.json({ entries: page, nextCursor: rows.length > 100 ? String(page[page.length - 1]!.id) : null });
  });

  return r;
}

import express, { type Response } from 'express';
import { z } from 'zod';
import { describeZodError } from '../base/zod';
import type { ConsoleStore } from '../store/console';
import type { Store } from '../store/types';
import { actorOf } from './sessions';

/**
 * Dead letters from the console: retry (one or many), discard, edit and resend. A reply that may
 * already have reached the customer (an interrupted send nobody could confirm) is resent only
 * with `force`, as `npm run cli -- outbox retry --force` does. "Retry all" takes the newest 500 at a
 * time; every read is bounded.
 */
const Retry = z.object({ ids: z.array(z.number().int().positive()).min(1).max(500).optional(), force: z.boolean().optional() });
const Edit = z.object({ text: z.string().trim().min(1).max(4096) });

export function deadLetterRoutes(deps: { store: Store; console: ConsoleStore }) {
  const { store, console: cs } = deps;
  const audited = (res: Response, action: string, item: { id: number; conversationId: number }) => {
    const actor = actorOf(res);
    return cs.audit({ operatorId: actor.id, operatorName: actor.name, action, conversationId: item.conversationId, detail: { outboxId: item.id } });
  };
  const r = express.Router();
  r.use('/api/console/dead-letters', express.json({ limit: '64kb' }));

  r.get('/api/console/dead-letters', async (_req, res) => {
    const dead = await cs.deadLetters(500);
    res.json({
      deadLetters: dead.map((d) => ({
        id: d.id,
        provider: d.provider,
        conversationId: d.conversationId,
        attempts: d.attempts,
        reason: d.lastError,
        text: d.message.text ?? null,
        at: d.nextAttemptAt,
        maybeDelivered: !!d.maybeDelivered,
      })),
    });
  });

  /** POST /api/console/dead-letters/retry {ids?, force?}: bulk; POST …/:id/retry: one. */
  const retry = async (ids: number[] | undefined, force: boolean, res: Response) => {
    const dead = ids ? await cs.deadLettersAmong(ids) : await cs.deadLetters(500);
    const doubtful = force ? [] : dead.filter((d) => d.maybeDelivered).map((d) => d.id);
    const go = dead.filter((d) => !doubtful.includes(d.id)).map((d) => d.id);
    const queued = go.length ? await store.outboxRequeueDead(go) : 0;
    for (const d of dead.filter((x) => go.includes(x.id))) await audited(res, 'retried a dead letter', d);
    res.json({ queued, leftMaybeDelivered: doubtful });
  };
  r.post('/api/console/dead-letters/retry', async (req, res) => {
    const b = Retry.safeParse(req.body ?? {});
    if (!b.success) return res.status(400).json({ error: describeZodError(b.error) });
    await retry(b.data.ids, !!b.data.force, res);
  });
  r.post('/api/console/dead-letters/:id/retry', async (req, res) => {
    if (!/^\d+$/.test(req.params.id)) return res.status(404).json({ error: `no dead letter ${req.params.id}` });
    await retry([Number(req.params.id)], req.body?.force === true, res);
  });

  r.post('/api/console/dead-letters/:id/discard', async (req, res) => {
    const id = /^\d+$/.test(req.params.id) ? Number(req.params.id) : 0;
    const [item] = await cs.deadLettersAmong([id]);
    if (!item || !(await cs.discardDeadLetter(id))) return res.status(404).json({ error: `no dead letter ${req.params.id}` });
    await audited(res, 'discarded a dead letter', item);
    res.json({ ok: true });
  });

  r.post('/api/console/dead-letters/:id/edit', async (req, res) => {
    const b = Edit.safeParse(req.body ?? {});
    if (!b.success) return res.status(400).json({ error: describeZodError(b.error) });
    const id = /^\d+$/.test(req.params.id) ? Number(req.params.id) : 0;
    const [item] = await cs.deadLettersAmong([id]);
    if (!item || !(await cs.editDeadLetter(id, b.data.text))) return res.status(404).json({ error: `no dead letter ${req.params.id}` });
    await audited(res, 'edited and resent a dead letter', item);
    res.json({ ok: true });
  });

  return r;
}

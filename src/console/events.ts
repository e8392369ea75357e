import type { Request, Response } from 'express';
import type { Logger } from 'winston';
import type { ConsoleStore } from '../store/console';

/**
 * Live updates for the console by Server-Sent Events. Each instance serves its own clients from
 * what its store tells it: one poll of the change feed (new messages and audit entries by id)
 * every `intervalMs` while any client is connected, so a message stored by another instance on the
 * same PostgreSQL database reaches this instance's pages too, with no channel between instances.
 *
 * On PostgreSQL ids are taken when a row is inserted but seen when its transaction commits, so a
 * lower id can appear after a higher one: the feed rereads a window below its cursor and drops
 * the ids it already sent.
 */
const REREAD = 200;

export class ChangeFeed {
  private readonly clients = new Set<Response>();
  private timer: NodeJS.Timeout | undefined;
  private cursor: { message: number; audit: number } | undefined;
  private readonly seen = { message: new Set<number>(), audit: new Set<number>() };
  private polling = false;
  private readonly waiting = new Set<Response>();

  constructor(
    private readonly store: ConsoleStore,
    private readonly log: Logger,
    private readonly intervalMs = 500,
  ) {}

  /** GET /api/console/events */
  serve(req: Request, res: Response): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    // `ready` once the feed's cursor is set: the page reloads what it shows then, so nothing that
    // changed between its first read and the cursor is missed.
    if (this.cursor) res.write('event: ready\ndata: {}\n\n');
    else this.waiting.add(res);
    req.on('close', () => {
      this.clients.delete(res);
      this.waiting.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
      this.timer.unref();
      void this.poll();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.cursor = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      if (!this.cursor) {
        this.cursor = await this.store.latestIds();
        for (const c of this.waiting) c.write('event: ready\ndata: {}\n\n');
        this.waiting.clear();
        return;
      }
      const from = { message: Math.max(0, this.cursor.message - REREAD), audit: Math.max(0, this.cursor.audit - REREAD) };
      const changes = await this.store.changesSince(from);
      const conversations = new Set<number>();
      for (const kind of ['message', 'audit'] as const) {
        const rows = kind === 'message' ? changes.messages : changes.audit;
        for (const r of rows) {
          if (this.seen[kind].has(r.id) || r.id <= from[kind]) continue;
          this.seen[kind].add(r.id);
          if (r.conversationId !== null) conversations.add(r.conversationId);
          if (r.id > this.cursor[kind]) this.cursor[kind] = r.id;
        }
        for (const id of this.seen[kind]) if (id <= this.cursor[kind] - REREAD) this.seen[kind].delete(id);
      }
      if (conversations.size > 0) this.broadcast('conversations', { ids: [...conversations] });
      else this.comment();
    } catch (err) {
      this.log.warn('console change feed: reading the store failed; will retry', { err });
    } finally {
      this.polling = false;
    }
  }

  private broadcast(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.clients) c.write(frame);
  }

  /** Keeps proxies from closing an idle stream (every ~15 s). */
  private quietPolls = 0;
  private comment(): void {
    if (++this.quietPolls * this.intervalMs < 15_000) return;
    this.quietPolls = 0;
    for (const c of this.clients) c.write(': keep-alive\n\n');
  }
}

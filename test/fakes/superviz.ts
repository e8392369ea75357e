import { createServer, type Server } from 'node:http';
import { OnTheWire } from './in-flight';
import { closeLocal, listenLocal } from './listen';

/**
 * A fake SuperViz Real-time REST API on 127.0.0.1 (PROVIDERS.md §4): `client_id` + `secret`
 * headers on every call (401 otherwise), POST /realtime/{channel}/publish {name, data}, and
 * GET /realtime/{channel} answering the channel, its last 250 events ({name, timestamp in ms,
 * participantId, connectionId, data}) and participants. Published events join the history and,
 * when `webhook` is set, come back to it in the webhook's shape, as SuperViz does with events
 * published through REST ([GUESS] PROVIDERS.md §4 open question 4).
 */
export interface FakeHistoryEvent {
  name: string;
  timestamp: number;
  participantId: string | null;
  connectionId: string | null;
  data: Record<string, unknown>;
}

export class FakeSuperViz {
  readonly published: { channel: string; name: string; data: Record<string, unknown> }[] = [];
  readonly requests: string[] = [];
  readonly history = new Map<string, FakeHistoryEvent[]>();
  /** Canned HTTP statuses for the next publish calls. */
  failNext: number[] = [];
  /** How publish is held on the wire (a slow provider; what a dead caller's send becomes). */
  readonly wire = new OnTheWire();
  /** Where published events are echoed back, with these headers. */
  webhook?: { url: string; headers?: Record<string, string> };
  readonly apiKey = 'sv-api-key-0123456789';
  private server?: Server;
  url = '';

  constructor(
    readonly clientId = 'sv-client-id',
    readonly secret = 'sv-api-secret',
  ) {}

  addHistory(channel: string, e: FakeHistoryEvent): void {
    const list = this.history.get(channel) ?? [];
    list.push(e);
    this.history.set(channel, list);
  }

  /** The channel moves on by n events from participants: older ones scroll out of the last 250. */
  flood(channel: string, n: number): void {
    for (let i = 0; i < n; i++) this.addHistory(channel, { name: 'cursor.move', timestamp: Date.now(), participantId: 'p1', connectionId: 'c1', data: { i } });
  }

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const u = new URL(req.url ?? '/', 'http://x');
      this.requests.push(`${req.method} ${u.pathname}`);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers.client_id !== this.clientId || req.headers.secret !== this.secret) return reply(401, { statusCode: 401, message: 'Unauthorized' });
      const m = /^\/realtime\/([^/]+)(\/publish)?$/.exec(u.pathname);
      if (!m) return reply(404, { statusCode: 404, message: 'Not Found' });
      const channel = decodeURIComponent(m[1]!);
      if (req.method === 'POST' && m[2]) {
        if (!(await this.wire.pass(req))) return; // the caller died before SuperViz took it
        const canned = this.failNext.shift();
        if (canned) return reply(canned, { statusCode: canned, message: 'fake failure' });
        let body: { name?: unknown; data?: unknown };
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return reply(400, { statusCode: 400, message: 'invalid JSON' });
        }
        if (typeof body.name !== 'string' || !body.name) return reply(400, { statusCode: 400, message: 'name is required' });
        const data = (body.data ?? {}) as Record<string, unknown>;
        this.published.push({ channel, name: body.name, data });
        const timestamp = Date.now();
        this.addHistory(channel, { name: body.name, timestamp, participantId: null, connectionId: null, data });
        reply(200, { message: 'ok' });
        if (this.webhook) {
          // Published through REST: no participant, so socketId is null (seed 002).
          const event = { apiKey: this.apiKey, channel, event: body.name, date: new Date(timestamp).toISOString(), data, socketId: null };
          void fetch(this.webhook.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...this.webhook.headers },
            body: JSON.stringify(event),
          }).catch(() => undefined);
        }
        return;
      }
      if (req.method === 'GET' && !m[2]) {
        const events = (this.history.get(channel) ?? []).slice(-250);
        return reply(200, {
          channel: { name: channel, participantId: null, apiKey: this.apiKey, startTime: events[0]?.timestamp ?? null, endTime: null },
          events,
          participants: [],
        });
      }
      return reply(405, { statusCode: 405, message: 'Method Not Allowed' });
    });
    this.url = await listenLocal(this.server);
    return this;
  }

  async stop(): Promise<void> {
    await closeLocal(this.server);
  }
}

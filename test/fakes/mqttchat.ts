import { createServer, type Server } from 'node:http';
import { closeLocal, listenLocal } from './listen';

/**
 * A fake MQTT CHAT REST API on 127.0.0.1 (PROVIDERS.md §3, medaboub/mqtt-chat-php-sdk): base
 * `/api/v1.0`, HTTP Basic APP_ID:APP_SECRET, `GET /users/{userid}/messages?limit=&before_messageid=`
 * paging backwards (newest first). Answers carry `ok` as a boolean or, every other time, as the
 * string "true" (the Android demo compares strings), with the data under `response`; failures are
 * `{ok: false, error}`. The item shape is our reading of the undocumented API: the callback's
 * message fields, flat, plus from_userid / to_userid. [GUESS]
 *
 * Point Switchboard at it with MQTTCHAT_API_URL = fake.url.
 */
export interface FakeMqttMessage {
  id: number;
  from_userid: number | string;
  to_userid: number | string;
  message: string;
  p1?: string;
  p2?: string;
  p3?: string;
  timestamp: number;
  type: number;
}

export class FakeMqttChat {
  /** Every message MQTT CHAT holds, in any order. */
  messages: FakeMqttMessage[] = [];
  readonly requests: { path: string; query: Record<string, string>; authorized: boolean }[] = [];
  /** Canned failures for the next requests: an HTTP status, or an error string answered with HTTP 200. */
  failNext: (number | string)[] = [];
  /** Users the API answers {ok: false, error} for, every time (e.g. a deleted user). */
  failUsers = new Map<string, string>();
  private answers = 0;
  private server?: Server;
  url = '';

  constructor(
    readonly appId = 'mqttchat-app',
    readonly appSecret = 'mqttchat-app-secret',
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const expected = `Basic ${Buffer.from(`${this.appId}:${this.appSecret}`).toString('base64')}`;
      const authorized = req.headers.authorization === expected;
      this.requests.push({ path: u.pathname, query: Object.fromEntries(u.searchParams), authorized });
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (!authorized) return reply(401, { ok: false, error: 'invalid app credentials' });
      const canned = this.failNext.shift();
      if (typeof canned === 'number') return reply(canned, { ok: false, error: 'fake failure' });
      if (typeof canned === 'string') return reply(200, { ok: false, error: canned });

      const m = /^\/api\/v1\.0\/users\/([^/]+)\/messages\/?$/.exec(u.pathname);
      if (req.method !== 'GET' || !m) return reply(404, { ok: false, error: 'unknown route' });
      const user = decodeURIComponent(m[1]!);
      if (this.failUsers.has(user)) return reply(200, { ok: false, error: this.failUsers.get(user) });
      const limit = Math.max(1, Math.min(100, Number(u.searchParams.get('limit') ?? 20)));
      const before = Number(u.searchParams.get('before_messageid') ?? 0);
      const rows = this.messages
        .filter((x) => String(x.from_userid) === user || String(x.to_userid) === user)
        .filter((x) => !before || x.id < before)
        .sort((a, b) => b.id - a.id)
        .slice(0, limit)
        .map((x) => ({ p1: '', p2: '', p3: '', ...x }));
      // The SDK's demos read ok both ways: alternate so the client must accept both.
      reply(200, { ok: this.answers++ % 2 === 0 ? true : 'true', response: rows });
    });
    this.url = `${await listenLocal(this.server)}/api/v1.0`;
    return this;
  }

  async stop(): Promise<void> {
    await closeLocal(this.server);
  }
}

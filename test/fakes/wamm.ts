import { createServer, type Server } from 'node:http';
import { OnTheWire } from './in-flight';
import { closeLocal, listenLocal } from './listen';

/**
 * A fake WAMM.chat API on 127.0.0.1 that behaves like the docs (PROVIDERS.md §2): GET methods with
 * the token in the path, HTTP 200 even for errors ({"err":"token fail"}), msg_id as a number from
 * msg_to and as a string from msg_get_last / msg_get / msg_state. What msg_to sends joins the
 * history as an outgoing API message, like on the real service, dated in `timeZone`.
 */
export interface FakeWammMessage {
  msg_id: number;
  from_me: 0 | 1;
  from_api?: 0 | 1;
  phone: string;
  chat_name?: string;
  tip_msg?: string;
  msg_text: string;
  date_ins: string;
  state?: string;
}

/** A canned msg_to answer: 'ok', 'reset' (connection dropped), a WAMM err string (HTTP 200), an HTTP status, or a full response. */
export type Canned = string | number | { status: number; headers?: Record<string, string>; body?: unknown };

export class FakeWamm {
  readonly sent: { phone: string; text: string; quote_msg_id?: string; msg_id: number; at: number }[] = [];
  readonly requests: string[] = [];
  /** Date.now() at each request, parallel to `requests`. */
  readonly times: number[] = [];
  /** Messages msg_get_last / msg_get return (newest first, like the doc's example). */
  history: FakeWammMessage[] = [];
  /** How msg_to is held on the wire (a slow provider; what a dead caller's send becomes). */
  readonly wire = new OnTheWire();
  /** When set, msg_to waits for this before answering. */
  get hold(): Promise<unknown> | undefined {
    return this.wire.hold;
  }
  set hold(p: Promise<unknown> | undefined) {
    this.wire.hold = p;
  }
  /** Queue of canned answers for msg_to. */
  failNext: Canned[] = [];
  nextId = 5_000_000;
  private server?: Server;
  url = '';

  constructor(
    readonly token = 'test-token',
    readonly timeZone = 'UTC',
  ) {}

  /** Now as WAMM writes it: zone-less "YYYY-MM-DD HH:MM:SS" in the account's zone. */
  now(): string {
    return new Intl.DateTimeFormat('sv-SE', { timeZone: this.timeZone, dateStyle: 'short', timeStyle: 'medium' }).format(new Date());
  }

  /** A customer's message arriving in `phone`'s chat: it joins the history with the next msg_id (ids grow across chats). */
  incoming(phone: string, text: string): FakeWammMessage {
    const m: FakeWammMessage = { msg_id: this.nextId++, from_me: 0, phone, msg_text: text, date_ins: this.now(), state: 'received' };
    this.history.unshift(m);
    return m;
  }

  /** The chat moves on by n messages (a chatty customer): older ones drop out of msg_get's page of 100. */
  flood(phone: string, n: number): void {
    for (let i = 0; i < n; i++) this.incoming(phone, `flood ${i}`);
  }

  calls(method: string): number {
    return this.requests.filter((p) => p.split('/')[2] === method).length;
  }

  /** Arrival times of one method's requests. */
  timesOf(method: string): number[] {
    return this.times.filter((_, i) => this.requests[i]!.split('/')[2] === method);
  }

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      this.requests.push(u.pathname);
      this.times.push(Date.now());
      const [, , method, token] = u.pathname.split('/'); // /api2/<method>/<token>/
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (token !== this.token) return reply(200, { err: 'token fail' });
      if (method === 'msg_to') {
        if (!(await this.wire.pass(req))) return; // the caller died before WAMM took it
        const canned = this.failNext.shift();
        if (canned === 'reset') return req.socket.destroy(); // a network error
        if (typeof canned === 'number') return reply(canned, { error: 'fake failure' });
        if (typeof canned === 'object') return reply(canned.status, canned.body ?? { error: 'fake failure' }, canned.headers);
        if (typeof canned === 'string' && canned !== 'ok') return reply(200, { err: canned });
        const phone = u.searchParams.get('phone') ?? '';
        const text = u.searchParams.get('text') ?? '';
        if (!phone) return reply(200, { err: 'phone fail' });
        const msg_id = this.nextId++;
        this.sent.push({ phone, text, quote_msg_id: u.searchParams.get('quote_msg_id') ?? undefined, msg_id, at: Date.now() });
        this.history.unshift({ msg_id, from_me: 1, from_api: 1, phone, msg_text: text, date_ins: this.now(), state: 'sending' });
        return reply(200, { err: 0, msg_id });
      }
      if (method === 'msg_get_last' || method === 'msg_get') {
        const col = Math.min(100, Number(u.searchParams.get('col') ?? 100));
        const phone = u.searchParams.get('phone');
        const rows = this.history.filter((m) => method === 'msg_get_last' || m.phone === phone).slice(0, col);
        return reply(200, {
          err: 0,
          // The poll API documents no from_api and no phone_acc.
          msg_data: rows.map(({ from_api: _api, ...m }) => ({
            ...m,
            msg_id: String(m.msg_id),
            from_me: String(m.from_me),
            date_upd: m.date_ins,
            tip_msg: m.tip_msg ?? 'textMessage',
          })),
        });
      }
      if (method === 'msg_state') {
        const m = this.history.find((h) => String(h.msg_id) === u.searchParams.get('msg_id'));
        if (!m) return reply(200, { err: 'msg not be' });
        return reply(200, { err: 0, msg_data: { msg_id: String(m.msg_id), phone: m.phone, state: m.state ?? 'delivered' } });
      }
      return reply(200, { err: 'unknown method' });
    });
    this.url = `${await listenLocal(this.server)}/api2`;
    return this;
  }

  async stop(): Promise<void> {
    await closeLocal(this.server);
  }

  /** WAMM down: connections to its port are refused until comeBack(). */
  async goAway(): Promise<void> {
    await closeLocal(this.server);
  }

  /** WAMM up again, on the same port. */
  async comeBack(): Promise<void> {
    await listenLocal(this.server!, Number(new URL(this.url).port));
  }
}

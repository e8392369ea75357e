import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake WAMM.chat API on 127.0.0.1 that behaves like the docs (PROVIDERS.md §2): GET methods with
 * the token in the path, HTTP 200 even for errors ({"err":"token fail"}), msg_id as a number from
 * msg_to and as a string from msg_get_last / msg_get.
 */
export interface FakeWammMessage {
  msg_id: number;
  from_me: 0 | 1;
  phone: string;
  chat_name?: string;
  tip_msg?: string;
  msg_text: string;
  date_ins: string;
  state?: string;
}

export class FakeWamm {
  readonly sent: { phone: string; text: string; quote_msg_id?: string; msg_id: number }[] = [];
  readonly requests: string[] = [];
  /** Messages msg_get_last / msg_get return (newest first, like the doc's example). */
  history: FakeWammMessage[] = [];
  /** Queue of canned answers for msg_to: 'ok' or an err string or an HTTP status. */
  failNext: (string | number)[] = [];
  nextId = 5_000_000;
  private server?: Server;
  url = '';

  constructor(readonly token = 'test-token') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      this.requests.push(u.pathname);
      const [, , method, token] = u.pathname.split('/'); // /api2/<method>/<token>/
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (token !== this.token) return reply(200, { err: 'token fail' });
      if (method === 'msg_to') {
        const canned = this.failNext.shift();
        if (typeof canned === 'number') return reply(canned, { error: 'fake failure' });
        if (typeof canned === 'string' && canned !== 'ok') return reply(200, { err: canned });
        const phone = u.searchParams.get('phone') ?? '';
        const text = u.searchParams.get('text') ?? '';
        if (!phone) return reply(200, { err: 'phone fail' });
        const msg_id = this.nextId++;
        this.sent.push({ phone, text, quote_msg_id: u.searchParams.get('quote_msg_id') ?? undefined, msg_id });
        return reply(200, { err: 0, msg_id });
      }
      if (method === 'msg_get_last' || method === 'msg_get') {
        const col = Math.min(100, Number(u.searchParams.get('col') ?? 100));
        const phone = u.searchParams.get('phone');
        const rows = this.history.filter((m) => method === 'msg_get_last' || m.phone === phone).slice(0, col);
        return reply(200, {
          err: 0,
          msg_data: rows.map((m) => ({ ...m, msg_id: String(m.msg_id), from_me: String(m.from_me), date_upd: m.date_ins, tip_msg: m.tip_msg ?? 'textMessage' })),
        });
      }
      return reply(200, { err: 'unknown method' });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/api2`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server!.close(r));
  }
}

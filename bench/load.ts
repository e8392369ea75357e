import { connect, type Socket } from 'node:net';
import { bodyFor, type BodyKind } from './bodies';
import { nowUs, summarize, type Percentiles } from './stats';

/**
 * The load generator. bench/run.ts starts it as its own process so it never shares an event loop
 * with the server under test. It speaks HTTP/1.1 over raw keep-alive sockets (as wrk and
 * autocannon do) because node:http's client costs about as much CPU per request as the receivers
 * being measured. Two shapes:
 * - closed loop (no rate): every connection sends its next request as soon as the last is answered,
 *   which finds the peak rate;
 * - open loop (rate): requests are due at evenly spaced instants and latency counts from the instant
 *   a request was due, so a stalled server is charged for the requests it kept waiting (no
 *   coordinated omission). autocannon's -R sends each second's quota in a burst at the start of the
 *   second, which would measure the peak-rate latency again, so it is not used for this.
 */
export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: BodyKind;
  connections: number;
  warmupS: number;
  durationS: number;
  /** Requests per second (open loop); absent = closed loop. */
  rate?: number;
  chats: number;
  /** Requests sent per run start at this sequence number (update_id, msg_id). */
  seqStart: number;
}

export interface LoadResult {
  /** Answered during the measured window (after the warm-up). */
  requests: number;
  non2xx: number;
  /** The non-2xx answers in the window by status (0: a response the generator could not read). */
  non2xxStatuses: Record<string, number>;
  socketErrors: number;
  seconds: number;
  rps: number;
  ackMs: Percentiles;
  /** The measured window on the machine's monotonic clock (µs), shared with the reply sink. */
  windowStartUs: number;
  windowEndUs: number;
  /** Requests sent inside the window that were answered 2xx: each should get one reply. */
  acceptedInWindow: number;
  sent: number;
}

interface Pending {
  dueUs: number;
  counted: boolean;
}

/**
 * A request due at dueUs: its time is rounded to the whole microsecond its body carries, and it
 * counts for the window by that same value, as the reply sink counts its reply. (Counting by the
 * unrounded time left a request at the window's edge counted on one side and not the other: the
 * "missing 1-2" of the half-rate rows, bare telegraf's included.)
 */
export function pending(dueUs: number, windowStartUs: number, windowEndUs: number): Pending {
  const at = Math.round(dueUs);
  return { dueUs: at, counted: at >= windowStartUs && at < windowEndUs };
}

class Connection {
  private socket!: Socket;
  private buf: Buffer = Buffer.alloc(0);
  busy: Pending | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly onAnswer: (c: Connection, p: Pending, status: number) => void,
    private readonly onError: () => void,
  ) {
    this.open();
  }

  private open() {
    this.buf = Buffer.alloc(0);
    this.socket = connect(this.port, this.host);
    this.socket.setNoDelay(true);
    this.socket.on('data', (d) => this.onData(d));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      if (this.closed) return;
      if (this.busy) {
        this.busy = undefined;
        this.onError();
      }
      this.open();
    });
  }

  closed = false;

  send(request: string, p: Pending) {
    this.busy = p;
    this.socket.write(request);
  }

  close() {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer) {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      const used = parseResponse(this.buf);
      if (!used) return;
      this.buf = this.buf.subarray(used.length);
      const p = this.busy;
      this.busy = undefined;
      if (p) this.onAnswer(this, p, used.status);
      if (used.close) this.socket.destroy();
    }
  }
}

/** One complete response at the start of buf: its length and status, or undefined if incomplete. */
export function parseResponse(buf: Buffer): { length: number; status: number; close: boolean } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = buf.toString('latin1', 0, end).toLowerCase();
  const status = Number(head.slice(9, 12));
  const close = /\r\nconnection:\s*close/.test(head);
  const cl = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (cl) {
    const length = end + 4 + Number(cl[1]);
    return buf.length >= length ? { length, status, close } : undefined;
  }
  if (/\r\ntransfer-encoding:\s*chunked/.test(head)) {
    let at = end + 4;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
      at = lineEnd + 2 + size + 2;
      if (at > buf.length) return undefined;
      if (size === 0) return { length: at, status, close };
    }
  }
  return { length: end + 4, status, close };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const u = new URL(spec.url);
  const port = Number(u.port);
  const headerLines = Object.entries({ 'content-type': 'application/json', ...spec.headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const prefix = `POST ${u.pathname}${u.search} HTTP/1.1\r\nhost: ${u.host}\r\n${headerLines}`;
  let seq = spec.seqStart;

  const start = nowUs();
  const windowStartUs = Math.round(start + spec.warmupS * 1e6);
  const windowEndUs = Math.round(windowStartUs + spec.durationS * 1e6);
  const latencies: number[] = [];
  let requests = 0;
  let non2xx = 0;
  const non2xxStatuses: Record<string, number> = {};
  let socketErrors = 0;
  let accepted = 0;
  let sent = 0;
  let stopped = false;
  const queue: Pending[] = [];
  const idle: Connection[] = [];

  const issue = (c: Connection, p: Pending) => {
    const s = seq++;
    const body = bodyFor(spec.body, s, 1 + (s % spec.chats), Math.round(p.dueUs));
    sent++;
    c.send(`${prefix}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, p);
  };
  const next = (c: Connection) => {
    if (stopped) return;
    if (spec.rate) {
      const p = queue.shift();
      if (p) issue(c, p);
      else idle.push(c);
      return;
    }
    issue(c, pending(nowUs(), windowStartUs, windowEndUs));
  };
  const onAnswer = (c: Connection, p: Pending, status: number) => {
    const t = nowUs();
    if (t >= windowStartUs && t < windowEndUs) {
      requests++;
      if (status < 200 || status >= 300) {
        non2xx++;
        non2xxStatuses[status] = (non2xxStatuses[status] ?? 0) + 1;
      }
    }
    if (p.counted) {
      latencies.push((t - p.dueUs) / 1000);
      if (status >= 200 && status < 300) accepted++;
    }
    next(c);
  };
  const conns = Array.from({ length: spec.connections }, () => new Connection(u.hostname, port, onAnswer, () => socketErrors++));
  for (const c of conns) next(c);

  let timer: NodeJS.Timeout | undefined;
  if (spec.rate) {
    const gapUs = 1e6 / spec.rate;
    let due = start;
    timer = setInterval(() => {
      const t = nowUs();
      while (due <= t && due < windowEndUs) {
        queue.push(pending(due, windowStartUs, windowEndUs));
        due += gapUs;
      }
      while (queue.length > 0 && idle.length > 0) issue(idle.pop()!, queue.shift()!);
    }, 1);
  }

  await new Promise((r) => setTimeout(r, (windowEndUs - nowUs()) / 1000));
  stopped = true;
  if (timer) clearInterval(timer);
  // Let requests in flight finish so their latency is counted (bounded: a stuck server is reported, not waited for).
  const drainUntil = Date.now() + 10_000;
  while (conns.some((c) => c.busy) && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  for (const c of conns) c.close();

  return {
    requests,
    non2xx,
    non2xxStatuses,
    socketErrors,
    seconds: spec.durationS,
    rps: requests / spec.durationS,
    ackMs: summarize(latencies),
    windowStartUs,
    windowEndUs,
    acceptedInWindow: accepted,
    sent,
  };
}

// As a child process: the spec comes in BENCH_LOAD, the result goes out as one JSON line.
if (process.env.BENCH_LOAD) {
  runLoad(JSON.parse(process.env.BENCH_LOAD) as LoadSpec).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`load generator failed: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}

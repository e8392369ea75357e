import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import type { Percentiles } from './stats';
import { median } from './stats';

/** One measured run of one receiver under one load. */
export interface Row {
  id: string;
  title: string;
  rate?: number;
  rps: number;
  ackMs: Percentiles;
  replyMs?: Percentiles;
  repliesPerS?: number;
  /** Replies missing after the drain wait, for requests answered 2xx inside the window. */
  missing?: number;
  duplicates?: number;
  non2xx: number;
  socketErrors: number;
  rssMb: number;
  /** The receiver's CPU time per request sent (ms), from /proc. */
  cpuMsPerReq: number;
}

const f = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** Several runs of one scenario → one row of medians (and the spread of requests/s). */
export function combine(rows: Row[]): Row & { runs: number; rpsMin: number; rpsMax: number } {
  const m = (pick: (r: Row) => number | undefined) => {
    const v = rows.map(pick).filter((x): x is number => x !== undefined && !Number.isNaN(x));
    return v.length ? median(v) : undefined;
  };
  const pct = (pick: (r: Row) => Percentiles | undefined): Percentiles | undefined =>
    rows.some((r) => pick(r))
      ? { n: m((r) => pick(r)?.n) ?? 0, p50: m((r) => pick(r)?.p50)!, p99: m((r) => pick(r)?.p99)!, max: m((r) => pick(r)?.max)! }
      : undefined;
  return {
    ...rows[0]!,
    rps: m((r) => r.rps)!,
    ackMs: pct((r) => r.ackMs)!,
    replyMs: pct((r) => r.replyMs),
    repliesPerS: m((r) => r.repliesPerS),
    missing: rows.some((r) => r.missing !== undefined) ? rows.reduce((s, r) => s + (r.missing ?? 0), 0) : undefined,
    duplicates: rows.some((r) => r.duplicates !== undefined) ? rows.reduce((s, r) => s + (r.duplicates ?? 0), 0) : undefined,
    non2xx: rows.reduce((s, r) => s + r.non2xx, 0),
    socketErrors: rows.reduce((s, r) => s + r.socketErrors, 0),
    rssMb: m((r) => r.rssMb)!,
    cpuMsPerReq: m((r) => r.cpuMsPerReq)!,
    runs: rows.length,
    rpsMin: Math.min(...rows.map((r) => r.rps)),
    rpsMax: Math.max(...rows.map((r) => r.rps)),
  };
}

export function table(rows: ReturnType<typeof combine>[]): string {
  const head = [
    'scenario',
    'runs',
    'req/s',
    '(min-max)',
    'ack p50',
    'ack p99',
    'reply p50',
    'reply p99',
    'replies/s',
    'missing',
    'non2xx',
    'CPU µs/req',
    'RSS MB',
  ];
  const body = rows.map((r) => [
    r.title + (r.rate ? ` @ ${Math.round(r.rate)}/s` : ''),
    String(r.runs),
    f(r.rps, 0),
    `${f(r.rpsMin, 0)}-${f(r.rpsMax, 0)}`,
    f(r.ackMs.p50, 2),
    f(r.ackMs.p99, 2),
    f(r.replyMs?.p50, 2),
    f(r.replyMs?.p99, 2),
    f(r.repliesPerS, 0),
    r.missing === undefined ? '-' : String(r.missing),
    String(r.non2xx + r.socketErrors),
    f(r.cpuMsPerReq * 1000, 0),
    f(r.rssMb, 0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : lpad(c, widths[i]!))).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

export function ratios(byId: Map<string, ReturnType<typeof combine>>): string[] {
  const a = byId.get('a');
  const b = byId.get('b');
  const c = byId.get('c');
  const d = byId.get('d');
  const out: string[] = [];
  const r = (x: number | undefined, y: number | undefined) => (x && y ? (x / y).toFixed(2) : '-');
  if (c && a) out.push(`c/a requests/s (durable ingest vs bare Express; target >= 0.80): ${r(c.rps, a.rps)}`);
  if (c && b) out.push(`c/b sustained replies/s (end-to-end echo vs bare telegraf; target >= 1.00): ${r(c.repliesPerS, b.repliesPerS)}`);
  if (d && c) out.push(`d/c requests/s (PostgreSQL vs SQLite; target >= 0.50): ${r(d.rps, c.rps)}; replies/s: ${r(d.repliesPerS, c.repliesPerS)}`);
  return out;
}

export function machine(): string[] {
  const sh = (cmd: string) => {
    try {
      return execSync(cmd, { encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  return [
    `date: ${new Date().toISOString()}`,
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 20)} MiB memory, node ${process.version}`,
    `load: ${sh('uptime')}`,
  ];
}

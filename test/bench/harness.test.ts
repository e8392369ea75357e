import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseResponse, pending } from '../../bench/load';
import { topSelfTime } from '../../bench/profile';
import { runBacklog } from '../../bench/backlog';
import { ReplySink } from '../../bench/sink';

describe('bench harness', () => {
  it('parses keep-alive responses framed by content-length or chunked, and waits for the rest', () => {
    const cl = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"ok":true}HTTP/1.1');
    expect(parseResponse(cl)).toEqual({ length: cl.length - 8, status: 200, close: false });
    expect(parseResponse(cl.subarray(0, 30))).toBeUndefined();
    const chunked = Buffer.from('HTTP/1.1 503 x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nabcd\r\n0\r\n\r\n');
    expect(parseResponse(chunked)).toEqual({ length: chunked.length, status: 503, close: true });
    expect(parseResponse(chunked.subarray(0, chunked.length - 3))).toBeUndefined();
  });

  it('counts a request for the window by the time its body carries (what the reply sink counts it by)', () => {
    const start = 1_000_000;
    const end = 2_000_000;
    for (const due of [999_999.4, 999_999.6, 1_000_000, 1_000_000.4, 1_999_999.4, 1_999_999.6, 2_000_000]) {
      const p = pending(due, start, end);
      expect(Number.isInteger(p.dueUs)).toBe(true);
      expect(p.counted).toBe(p.dueUs >= start && p.dueUs < end);
    }
    expect(pending(999_999.6, start, end)).toEqual({ dueUs: 1_000_000, counted: true });
    expect(pending(1_999_999.6, start, end)).toEqual({ dueUs: 2_000_000, counted: false });
  });

  it('ranks functions by self time in a CPU profile', () => {
    const frame = (functionName: string) => ({ functionName, url: 'file:///x/src/a.ts', lineNumber: 0 });
    const top = topSelfTime(
      {
        nodes: [
          { id: 1, callFrame: frame('a') },
          { id: 2, callFrame: frame('b') },
        ],
        samples: [1, 2, 2, 2],
        timeDeltas: [10, 10, 10, 10],
      },
      5,
    );
    expect(top.map((t) => [t.name, t.share])).toEqual([
      ['b src/a.ts:1', 0.75],
      ['a src/a.ts:1', 0.25],
    ]);
  });

  it('npm run bench starts the receivers and prints the table (1 s smoke run)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
      env: { ...process.env, BENCH_DURATION: '1', BENCH_WARMUP: '0', BENCH_CONNECTIONS: '2', BENCH_SCENARIOS: 'a,c', BENCH_EXTRAS: '', BENCH_HALF_RATE: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/scenario\s+\| runs \| req\/s/);
    expect(r.stdout).toMatch(/a bare Express 5/);
    expect(r.stdout).toMatch(/c Switchboard, SQLite\s+\|\s+1 \|/);
    expect(r.stdout).toMatch(/c\/a requests\/s/);
  }, 60_000);

  it('backlog: every stored update is answered once by a server started on them', async () => {
    const sink = await new ReplySink().start();
    const runDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-test-'));
    try {
      const lines: string[] = [];
      const r = await runBacklog({ sinkUrl: sink.url, runDir, nodeArgs: [], logLevel: 'warn' }, sink, 300, (s) => lines.push(s));
      expect(r).toMatchObject({ updates: 300, duplicates: 0 });
      expect(sink.received).toBe(300);
      expect(r.cpuUsPerReply).toBeGreaterThan(0);
      expect(lines[0]).toMatch(/^ {2}run 1: 300 stored updates answered in [\d.]+ s/);
    } finally {
      await sink.stop();
      rmSync(runDir, { recursive: true, force: true });
    }
  }, 60_000);
});

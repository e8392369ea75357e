import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TcpProxy } from '../fakes/tcp-proxy';
import { createTestSchema, postgresUnavailable, TEST_DATABASE_URL, type TestSchema } from '../helpers/postgres';
import { eventually } from '../helpers/process';
import { WammKit, wammMsg } from './wamm-kit';
import { webhookStream } from './webhook-stream';

/**
 * The real server on PostgreSQL behind a TCP proxy the test fails under a stream of WAMM
 * webhooks, once by resetting every connection (a database restart, a proxy dropping them) and
 * once by letting no byte through without closing anything (packets dropped). The process must
 * stay up, answer every webhook within a few seconds (503 with Retry-After while the database is
 * gone), never 2xx one it did not store, and once the network is back answer every acknowledged
 * message exactly once. FAULT_OUTAGE_MS shortens the outage, FAULT_REPORT=1 prints the figures,
 * FAULT_LOGS=<prefix> keeps the server's log of each run.
 */
const unavailable = await postgresUnavailable();
const OUTAGE_MS = Number(process.env.FAULT_OUTAGE_MS ?? 20_000);
/** The promise to providers: an answer, whatever it is, within this. */
const ANSWER_WITHIN_MS = 5000;

describe.skipIf(!!unavailable)('PostgreSQL lost under load (real process behind a TCP proxy)', () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let kit: WammKit;
  beforeEach(async () => {
    schema = await createTestSchema();
    const target = new URL(TEST_DATABASE_URL);
    proxy = await new TcpProxy(Number(target.port || 5432), target.hostname).start();
    kit = new WammKit();
  });
  afterEach(async (ctx) => {
    if (process.env.FAULT_LOGS) writeFileSync(`${process.env.FAULT_LOGS}-${ctx.task.name.slice(0, 10)}.log`, kit.sb.logs.join('\n'));
    await kit.stop();
    await proxy.stop();
    await schema.drop();
  });

  for (const fault of ['cut', 'drop'] as const) {
    it(
      `${fault === 'cut' ? 'connections reset' : 'packets dropped'} for ${OUTAGE_MS / 1000} s: no crash, answers within ${ANSWER_WITHIN_MS / 1000} s, no 2xx unstored, every acknowledged message answered once`,
      async () => {
        await kit.start({
          DATABASE_URL: proxy.url(schema.url),
          WAMM_TIMEZONE: undefined,
          SWITCHBOARD_LEASE_MS: '3000',
          STORE_TIMEOUT_MS: '2500',
        });
        const stream = webhookStream(
          (i) => {
            const phone = `7930000${String(i % 10).padStart(4, '0')}`;
            const text = `m${i}`;
            const m = kit.wamm.incoming(phone, text);
            return { key: `${phone} ${text}`, body: wammMsg(m.msg_id, text, { phone }) };
          },
          (body) => kit.post(body),
        );
        stream.start(50);
        await eventually(async () => stream.acked >= 20, 20_000);
        if (fault === 'cut') proxy.cut();
        else proxy.drop();
        await new Promise((r) => setTimeout(r, OUTAGE_MS));
        proxy.restore();
        const mark = stream.acked;
        await eventually(async () => stream.acked >= mark + 20, 30_000);
        await stream.stop();

        expect(kit.sb.child.exitCode).toBeNull();
        expect(stream.refused).toBeGreaterThan(0); // the outage was seen
        expect(stream.slowest).toBeLessThan(ANSWER_WITHIN_MS);
        expect(stream.retryAfterMissing).toBe(0);
        expect(stream.failedConnections).toBe(0);
        expect(stream.otherStatuses).toEqual([]);
        await eventually(async () => kit.wamm.sent.length >= stream.acked, 30_000);
        await eventually(async () => (await kit.health()).outboxPending === 0, 20_000);
        const counts = new Map<string, number>();
        for (const s of kit.wamm.sent) counts.set(`${s.phone} ${s.text}`, (counts.get(`${s.phone} ${s.text}`) ?? 0) + 1);
        expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(stream.ackedKeys().map((k) => [k, 1])));
        expect(kit.sb.child.exitCode).toBeNull();
        if (process.env.FAULT_REPORT)
          process.stdout.write(
            `postgres ${fault} ${OUTAGE_MS} ms: ${stream.acked} acked, ${stream.refused} answered 503, slowest answer ${stream.slowest} ms, answer p99 ${stream.answerP99()} ms, ack p99 ${stream.p99()} ms\n`,
          );
      },
      OUTAGE_MS + 120_000,
    );
  }
});

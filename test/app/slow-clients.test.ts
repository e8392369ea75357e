import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Slowloris } from '../../bench/slowloris';
import { eventually } from '../helpers/process';
import { SECRET, WammKit, wammMsg } from '../reliability/wamm-kit';

/**
 * The HTTP server's timeouts, through the real process: a client sending its headers slowly, one
 * sending the body of a request with the right secret slowly, and an idle keep-alive connection
 * are each closed once their timeout passes (shortened here through the environment); and 300
 * slow connections held open (each replaced when the server drops it) do not keep webhooks from
 * being stored and answered.
 */
const TIMEOUTS = { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_KEEPALIVE_TIMEOUT_MS: '1000' };

describe('slow and idle clients (real process)', () => {
  let kit: WammKit;
  let attack: Slowloris | undefined;
  afterEach(async () => {
    attack?.stop();
    await kit.stop();
  });

  it('closes a slow-header, a slow-body and an idle keep-alive connection after their timeouts', async () => {
    kit = await new WammKit().start(TIMEOUTS);
    const headers = new Slowloris({ port: kit.sb.port, count: 1, dripMs: 200 }).start();
    const body = new Slowloris({ port: kit.sb.port, count: 1, dripMs: 200, body: true, path: `/webhooks/wamm/${SECRET}` }).start();
    await eventually(async () => headers.closedByServer > 0 && body.closedByServer > 0, 15_000);
    expect(body.statuses).toContain(408);
    headers.stop();
    body.stop();

    const idle = connect(kit.sb.port, '127.0.0.1');
    let closed = false;
    idle.on('close', () => (closed = true));
    idle.on('error', () => undefined);
    idle.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    idle.on('data', () => undefined); // read the answer, so the server's FIN is seen
    await eventually(async () => closed, 15_000);
  });

  it('stores and answers every webhook while 300 slow connections are held', async () => {
    kit = await new WammKit().start({ ...TIMEOUTS, WAMM_TIMEZONE: undefined });
    attack = new Slowloris({ port: kit.sb.port, count: 300, dripMs: 500 }).start();
    await eventually(async () => attack!.held >= 300, 15_000);
    const expected: string[] = [];
    // Until every slow connection has been dropped (and replaced) at least once.
    for (let i = 0; i < 100 || attack.closedByServer < 300; i++) {
      const phone = `7932000${String(i % 10).padStart(4, '0')}`;
      const text = `s${i}`;
      const m = kit.wamm.incoming(phone, text);
      const r = await kit.post(wammMsg(m.msg_id, text, { phone }));
      expect(r.status).toBe(200);
      expected.push(`${phone} ${text}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await eventually(async () => kit.wamm.sent.length >= expected.length, 30_000);
    const got = kit.wamm.sent.map((s) => `${s.phone} ${s.text}`).sort();
    expect(got).toEqual(expected.sort());
  });
});

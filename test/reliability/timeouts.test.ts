import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestJson } from '../../src/providers/http-client';
import { ProviderSendError } from '../../src/model/errors';

/** How the shared HTTP call classifies failures for the outbox: transient ones are retried. */
describe('requestJson failure classes (a real socket on 127.0.0.1)', () => {
  let server: Server;
  let url = '';
  let connections = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ err: 0, echo: req.method }));
      }
      if (req.url === '/hang') return; // never answers
      if (req.url === '/429') {
        res.writeHead(429, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ ok: false, error_code: 429, parameters: { retry_after: 7 } }));
      }
      res.writeHead(404).end('nope');
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const failure = (path: string, timeoutMs = 5000) =>
    requestJson(`${url}${path}`, { what: 'test', timeoutMs }).then(
      () => undefined,
      (e) => e as ProviderSendError,
    );

  it('a timeout is transient', async () => {
    const e = await failure('/hang', 100);
    expect(e).toBeInstanceOf(ProviderSendError);
    expect(e).toMatchObject({ permanent: false, message: 'test: timed out' });
  });

  it("a 429 is transient and carries Telegram's body retry_after", async () => {
    expect(await failure('/429')).toMatchObject({ permanent: false, retryAfterMs: 7000 });
  });

  it('another 4xx is permanent', async () => {
    expect(await failure('/other')).toMatchObject({ permanent: true });
  });

  it('a refused connection is transient and named by its code; the URL (a token may be in it) is not', async () => {
    const e = await requestJson('http://127.0.0.1:9/api2/msg_to/secret-token-123', { what: 'WAMM msg_to' }).then(
      () => undefined,
      (err) => err as ProviderSendError,
    );
    expect(e).toMatchObject({ permanent: false, message: 'WAMM msg_to: network error (ECONNREFUSED)' });
  });

  it('answers JSON, and keeps the connection for the next calls', async () => {
    const before = connections;
    for (let i = 0; i < 10; i++) expect((await requestJson(`${url}/ok`, { what: 'test', method: 'POST', body: '{}' })).body).toEqual({ err: 0, echo: 'POST' });
    expect(connections - before).toBeLessThanOrEqual(1); // one at most (an earlier test may have left one open)
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestJson } from '../../src/providers/http';
import { ProviderSendError } from '../../src/providers/types';

/** How the shared HTTP call classifies failures for the outbox: transient ones are retried. */
describe('requestJson failure classes (a real socket on 127.0.0.1)', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      if (req.url === '/429') {
        res.writeHead(429, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ ok: false, error_code: 429, parameters: { retry_after: 7 } }));
      }
      res.writeHead(404).end('nope');
    });
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
});

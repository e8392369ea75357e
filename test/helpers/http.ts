import { Agent, request } from 'node:http';

/**
 * POST a JSON body the way a provider's webhook sender does, over node:http with keep-alive,
 * answered as a fetch Response (status, headers, body). For the suites that deliver thousands of
 * webhooks: global fetch (undici) cost about 1.5 ms of CPU per request here, as much as the server
 * spent storing and answering it, in a test suite that is CPU-bound. A request the server never
 * answers (killed, connection reset) rejects, as fetch does.
 * Not src/providers/http-client.ts's httpCall, which does the same for the providers' APIs: it records
 * every call in the API-health state that the in-process servers of this test worker report.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const data = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const answer = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) answer.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: answer }));
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

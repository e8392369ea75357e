import { connect } from 'node:net';

/**
 * One HTTP/1.1 request over a plain socket, returning the response bytes exactly as sent, so a
 * test can measure the whole response (status line + headers + body), e.g. RingCentral's
 * 1,024-byte limit on the Validation-Token handshake answer.
 */
export interface RawResponse {
  bytes: number;
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<RawResponse> {
  const u = new URL(url);
  const body = Buffer.from(opts.body ?? '');
  const lines = [
    `${opts.method ?? 'POST'} ${u.pathname}${u.search} HTTP/1.1`,
    `Host: ${u.host}`,
    `Content-Length: ${body.length}`,
    ...Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(opts.timeoutMs ?? 3000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('connect', () => socket.write(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body])));
    let done = false;
    // Keep-alive, as a provider's client would: the response ends at Content-Length, not at close.
    const finish = (closed: boolean) => {
      if (done) return;
      const all = Buffer.concat(chunks);
      const raw = all.toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0) {
        if (closed) reject(new Error(`no HTTP response: ${JSON.stringify(raw.slice(0, 200))}`));
        return;
      }
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(raw.slice(0, end));
      if (!closed && (!length || all.length < end + 4 + Number(length[1]))) return;
      done = true;
      socket.destroy();
      const [statusLine, ...headerLines] = raw.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const h of headerLines) {
        const i = h.indexOf(':');
        headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
      }
      resolve({ bytes: all.length, status: Number(statusLine!.split(' ')[1]), headers, body: raw.slice(end + 4), raw });
    };
    socket.on('data', (d) => {
      chunks.push(d);
      finish(false);
    });
    socket.on('error', (e) => (done ? undefined : reject(e)));
    socket.on('close', () => finish(true));
  });
}

import { Worker } from 'node:worker_threads';
import { Telegram } from 'telegraf';
import { requestJson } from '../src/providers/http-client';
import { createBotApi } from '../src/providers/telegram/bot-api';

/**
 * CPU per provider API call: telegraf's own transport (node-fetch 2) against Switchboard's BotApi
 * (src/providers/telegram/bot-api.ts), and global fetch (undici) against requestJson
 * (src/providers/http-client.ts, the WAMM, MQTT CHAT and SuperViz clients), all sending sendMessage to the
 * same minimal Bot API on a worker thread of this process, 64 calls in flight. CPU is the whole process's (client and the
 * fake server), so the difference between the rows is the client's. Each call has a 15 s deadline,
 * given as each client takes it (telegraf: an AbortSignal; BotApi: a timer).
 *
 *   node --import tsx bench/bot-api.ts
 */
const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);

/** The fake Bot API: answers every call with a sent message, keeps connections alive. */
const FAKE = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const p = JSON.parse(body);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, result: { message_id: 1, date: 1, chat: { id: p.chat_id, type: 'private' }, text: p.text } }));
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

/** What each client is given per call: telegraf a signal, BotApi the deadline TelegramClient gives it. */
const opts = (api: Telegram) => (api.constructor === Telegram ? { signal: AbortSignal.timeout(15_000) } : { timeoutMs: 15_000 }) as never;

{
  const worker = new Worker(FAKE, { eval: true });
  const port = await new Promise<number>((r) => worker.once('message', r));
  const root = `http://127.0.0.1:${port}`;
  const send = (api: Telegram) => () => api.callApi('sendMessage', { chat_id: 5, text: 'hello world' }, opts(api));
  const json = JSON.stringify({ chat_id: 5, text: 'hello world' });
  const headers = { 'content-type': 'application/json' };
  const clients: [string, () => Promise<unknown>][] = [
    ["telegraf's transport (node-fetch)", send(new Telegram('123:abc', { apiRoot: root, webhookReply: false }))],
    ['BotApi (node:http, keep-alive)', send(createBotApi('123:abc', root))],
    [
      'global fetch (undici)',
      () => fetch(`${root}/bot123:abc/sendMessage`, { method: 'POST', headers, body: json, signal: AbortSignal.timeout(15_000) }).then((r) => r.json()),
    ],
    [
      'requestJson (node:http, keep-alive)',
      () => requestJson(`${root}/bot123:abc/sendMessage`, { method: 'POST', headers, body: json, what: 'bench', timeoutMs: 15_000 }),
    ],
  ];
  for (let round = 1; round <= 2; round++) {
    for (const [name, call] of clients) {
      let i = 0;
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (i++ < CALLS) await call();
        }),
      );
      const used = process.cpuUsage(cpu);
      const ms = performance.now() - t0;
      console.log(
        `round ${round}  ${name.padEnd(36)} ${Math.round((CALLS / ms) * 1000)
          .toString()
          .padStart(6)} calls/s  ${((used.user + used.system) / CALLS).toFixed(0).padStart(4)} µs CPU/call`,
      );
    }
  }
  await worker.terminate();
}

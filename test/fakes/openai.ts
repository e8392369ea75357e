import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeLocal, listenLocal } from './listen';

/**
 * A fake OpenAI-compatible API on 127.0.0.1: POST /v1/chat/completions with a bearer key, answering
 * in the real response shape, and errors in the real error shape ({ error: { message, type, code } }).
 * Script what the next calls do with `next`: 'ok' (default), an HTTP status (429/500: retryable, with
 * retry-after-ms so the SDK's retry waits only a few ms), or 'hang' (never answers: a timeout).
 */
export type FakeOpenAiStep = 'ok' | 'hang' | number;

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  [key: string]: unknown;
}

export class FakeOpenAi {
  readonly requests: ChatRequest[] = [];
  next: FakeOpenAiStep[] = [];
  /** What the model says; by default it repeats the last user message. */
  answer: (req: ChatRequest) => string = (req) => `You said: ${req.messages.at(-1)?.content}`;
  url = '';
  private server?: Server;
  private readonly hanging = new Set<ServerResponse>();

  constructor(readonly apiKey = 'sk-test-key') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.url = `${await listenLocal(this.server)}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    await closeLocal(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, message: string, type: string, code: string | null) =>
      send(status, { error: { message, type, param: null, code } }, { 'retry-after-ms': '5' });
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions')
      return error(404, `Unknown request URL: ${req.method} ${req.url}`, 'invalid_request_error', 'unknown_url');
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return error(401, 'Incorrect API key provided', 'invalid_request_error', 'invalid_api_key');
    let body: ChatRequest;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return error(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
    }
    if (!body.model || !Array.isArray(body.messages) || body.messages.length === 0)
      return error(400, "Missing required parameter: 'messages'.", 'invalid_request_error', null);
    this.requests.push(body);
    const step = this.next.shift() ?? 'ok';
    if (step === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (typeof step === 'number')
      return error(
        step,
        step === 429 ? 'Rate limit reached' : 'The server had an error while processing your request.',
        step === 429 ? 'requests' : 'server_error',
        null,
      );
    const content = this.answer(body);
    send(200, {
      id: `chatcmpl-${this.requests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
    });
  }
}

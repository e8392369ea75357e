import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeLocal, listenLocal } from './listen';

/**
 * A fake OpenAI-compatible API on 127.0.0.1: POST /v1/chat/completions (function calling included:
 * an answer may be tool calls, returned as `message.tool_calls` with `finish_reason: "tool_calls"`,
 * the arguments a JSON string, as the API does) and POST /v1/embeddings (deterministic vectors: a
 * hashed bag of the input's words, so texts sharing words are near), with a bearer key, answering
 * in the real response shapes, and errors in the real error shape ({ error: { message, type, code } }).
 * Script what the next chat calls do with `next`: 'ok' (default), an HTTP status (429/500:
 * retryable, with retry-after-ms so the SDK's retry waits only a few ms), or 'hang' (never answers).
 */
export type FakeOpenAiStep = 'ok' | 'hang' | number;

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string | null; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { type: 'function'; function: { name: string } }[];
  [key: string]: unknown;
}

/** What the model does: say something, or call tools. */
export type FakeAnswer = string | { content?: string; toolCalls: { name: string; arguments: Record<string, unknown> }[] };

export const EMBEDDING_DIMENSIONS = 256;

/** The fake's embedding of a text: its words hashed into EMBEDDING_DIMENSIONS buckets, unit length. */
export function fakeEmbedding(text: string): number[] {
  const v = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[(h >>> 0) % EMBEDDING_DIMENSIONS]! += 1;
  }
  const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
  return v.map((x) => x / n);
}

export class FakeOpenAi {
  readonly requests: ChatRequest[] = [];
  /** Every POST /v1/embeddings, in order. */
  readonly embeddingRequests: { model: string; input: string[] }[] = [];
  /** Held before each embeddings answer (lets a test stop an indexing half way). */
  embedDelayMs = 0;
  next: FakeOpenAiStep[] = [];
  /** What the model says; by default it repeats the last user message. */
  answer: (req: ChatRequest) => FakeAnswer = (req) => `You said: ${req.messages.at(-1)?.content}`;

  /** Texts embedded so far (all requests). */
  get embeddedInputs(): number {
    return this.embeddingRequests.reduce((n, r) => n + r.input.length, 0);
  }
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
    if (req.method === 'POST' && req.url === '/v1/embeddings') return this.embeddings(req, chunks, send, error);
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
    const a = this.answer(body);
    const n = this.requests.length;
    const message =
      typeof a === 'string'
        ? { role: 'assistant', content: a, refusal: null }
        : {
            role: 'assistant',
            content: a.content ?? null,
            refusal: null,
            tool_calls: a.toolCalls.map((t, i) => ({
              id: `call_${n}_${i}`,
              type: 'function',
              function: { name: t.name, arguments: JSON.stringify(t.arguments) },
            })),
          };
    send(200, {
      id: `chatcmpl-${n}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: typeof a === 'string' ? 'stop' : 'tool_calls' }],
      usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
    });
  }

  private async embeddings(
    req: IncomingMessage,
    chunks: Buffer[],
    send: (status: number, body: unknown) => void,
    error: (status: number, message: string, type: string, code: string | null) => void,
  ): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return error(401, 'Incorrect API key provided', 'invalid_request_error', 'invalid_api_key');
    let body: { model?: string; input?: string | string[]; encoding_format?: 'float' | 'base64' };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return error(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
    }
    if (!body.model || body.input === undefined) return error(400, "Missing required parameter: 'input'.", 'invalid_request_error', null);
    const input = Array.isArray(body.input) ? body.input : [body.input];
    if (input.length > 2048) return error(400, "'$.input' must have at most 2048 items", 'invalid_request_error', null);
    // Counted on arrival: a caller that dies while waiting has still cost the call.
    this.embeddingRequests.push({ model: body.model, input });
    if (this.embedDelayMs) await new Promise((r) => setTimeout(r, this.embedDelayMs));
    const tokens = input.reduce((t, s) => t + Math.ceil(s.length / 4), 0);
    send(200, {
      object: 'list',
      // The SDK asks for base64 unless told otherwise (little-endian float32, as the API sends it) and decodes it.
      data: input.map((s, index) => ({
        object: 'embedding',
        index,
        embedding: body.encoding_format === 'base64' ? Buffer.from(new Float32Array(fakeEmbedding(s)).buffer).toString('base64') : fakeEmbedding(s),
      })),
      model: body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }
}

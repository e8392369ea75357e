import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { rawRequest } from '../helpers/raw-http';
import { closeLocal, listenLocal } from './listen';

/**
 * A fake RingCentral API on 127.0.0.1 (PROVIDERS.md §5): the JWT bearer grant on
 * /restapi/oauth/token (client id/secret as HTTP Basic), and the webinar subscription API
 * /webinar/notifications/v1/subscriptions (create, list {records}, get, put, delete, renew).
 * Like the real service, creating a WebHook subscription first performs the Validation-Token
 * handshake against the address and refuses (SUB-525) when the answer is not a 200 echoing the
 * token within 3 s and under 1,024 bytes in all.
 */
export interface FakeSubscription {
  id: string;
  uri: string;
  eventFilters: string[];
  disabledFilters: unknown[];
  expirationTime: string;
  expiresIn: number;
  status: 'Active' | 'Blacklisted';
  creationTime: string;
  deliveryMode: { transportType: string; address: string; verificationToken?: string };
  blacklistedData?: { reason: string; blacklistedAt: string };
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const BASE = '/webinar/notifications/v1/subscriptions';

export class FakeRingCentral {
  readonly subscriptions = new Map<string, FakeSubscription>();
  readonly requests: string[] = [];
  readonly handshakes: { address: string; status: number; bytes: number; echoed: boolean }[] = [];
  /** Check the handshake on create, as RingCentral does. */
  handshake = true;
  private readonly tokens = new Set<string>();
  private readonly refreshTokens = new Set<string>();
  private server?: Server;
  url = '';

  constructor(
    readonly clientId = 'rc-client-id',
    readonly clientSecret = 'rc-client-secret',
    readonly jwt = 'rc-user-jwt',
  ) {}

  blacklist(id: string): void {
    const s = this.subscriptions.get(id)!;
    s.status = 'Blacklisted';
    s.blacklistedData = { reason: 'Webhook responds with incorrect HttpStatus', blacklistedAt: new Date().toISOString() };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.url = await listenLocal(this.server);
    return this;
  }

  async stop(): Promise<void> {
    await closeLocal(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${u.pathname}`);
    const reply = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const error = (status: number, errorCode: string, message: string) => reply(status, { errorCode, message, errors: [{ errorCode, message }] });

    if (req.method === 'POST' && u.pathname === '/restapi/oauth/token') {
      const basic = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      if (basic !== `${this.clientId}:${this.clientSecret}`)
        return reply(401, { error: 'invalid_client', errors: [{ errorCode: 'OAU-123', message: 'Invalid client' }] });
      const form = new URLSearchParams(text);
      const refresh = form.get('grant_type') === 'refresh_token' && this.refreshTokens.has(form.get('refresh_token') ?? '');
      if (!refresh && (form.get('grant_type') !== JWT_GRANT || form.get('assertion') !== this.jwt)) {
        return reply(400, { error: 'invalid_grant', error_description: 'Invalid assertion', errors: [{ errorCode: 'OAU-140', message: 'Invalid JWT' }] });
      }
      const token = `access-${randomUUID()}`;
      const refreshToken = `refresh-${randomUUID()}`;
      this.tokens.add(token);
      this.refreshTokens.add(refreshToken);
      return reply(200, {
        access_token: token,
        token_type: 'bearer',
        expires_in: 3600,
        refresh_token: refreshToken,
        refresh_token_expires_in: 604800,
        scope: 'ReadWebinars EditWebinars',
        owner_id: '6610372004',
        endpoint_id: 'fake-endpoint',
      });
    }

    const bearer = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!bearer || !this.tokens.has(bearer)) return error(401, 'TokenInvalid', 'Access token corrupted');
    if (!u.pathname.startsWith(BASE)) return error(404, 'CMN-102', 'Resource for parameter [path] is not found');
    const [id, action] = u.pathname.slice(BASE.length).split('/').filter(Boolean);

    if (!id && req.method === 'GET') return reply(200, { records: [...this.subscriptions.values()] });
    if (!id && req.method === 'POST') {
      const body = JSON.parse(text || '{}');
      const address = body?.deliveryMode?.address;
      if (!Array.isArray(body.eventFilters) || body.eventFilters.length === 0) return error(400, 'CMN-101', 'Parameter [eventFilters] value is invalid');
      if (body.deliveryMode?.transportType !== 'WebHook' || typeof address !== 'string')
        return error(400, 'CMN-101', 'Parameter [deliveryMode] value is invalid');
      const expiresIn = Number(body.expiresIn ?? 604800);
      if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 315_360_000) return error(400, 'CMN-101', 'Parameter [expiresIn] value is invalid');
      if (this.handshake && !(await this.checkHandshake(address))) return error(400, 'SUB-525', 'WebHook server response is invalid');
      const now = new Date();
      const sid = randomUUID();
      const s: FakeSubscription = {
        id: sid,
        uri: `${this.url}${BASE}/${sid}`,
        eventFilters: body.eventFilters,
        disabledFilters: [],
        expirationTime: new Date(now.getTime() + expiresIn * 1000).toISOString(),
        expiresIn,
        status: 'Active',
        creationTime: now.toISOString(),
        deliveryMode: {
          transportType: 'WebHook',
          address,
          ...(body.deliveryMode.verificationToken ? { verificationToken: body.deliveryMode.verificationToken } : {}),
        },
      };
      this.subscriptions.set(sid, s);
      return reply(200, s);
    }
    const s = id ? this.subscriptions.get(id) : undefined;
    if (!s) return error(404, 'SUB-504', 'Subscription not found');
    if (req.method === 'GET' && !action) return reply(200, s);
    if (req.method === 'DELETE' && !action) {
      this.subscriptions.delete(s.id);
      return reply(204);
    }
    if ((req.method === 'POST' && action === 'renew') || (req.method === 'PUT' && !action)) {
      const body = text ? JSON.parse(text) : {};
      if (Array.isArray(body.eventFilters)) s.eventFilters = body.eventFilters;
      s.expiresIn = Number(body.expiresIn ?? s.expiresIn);
      s.expirationTime = new Date(Date.now() + s.expiresIn * 1000).toISOString();
      return reply(200, s);
    }
    return error(405, 'CMN-405', 'Method not allowed');
  }

  private async checkHandshake(address: string): Promise<boolean> {
    const token = randomUUID();
    try {
      const r = await rawRequest(address, { headers: { 'Validation-Token': token, 'Content-Type': 'application/json' }, timeoutMs: 3000 });
      const echoed = r.headers['validation-token'] === token;
      this.handshakes.push({ address, status: r.status, bytes: r.bytes, echoed });
      return r.status === 200 && echoed && r.bytes <= 1024;
    } catch {
      this.handshakes.push({ address, status: 0, bytes: 0, echoed: false });
      return false;
    }
  }
}

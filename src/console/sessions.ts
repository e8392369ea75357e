import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config/env';
import type { ConsoleStore } from '../store/console';
import type { Operator } from '../store/operators';
import { decoyHash, passwordMatches } from './passwords';

/**
 * Console sign-in: a random token in an HttpOnly, SameSite=Lax cookie (Secure when PUBLIC_URL is
 * https), stored only as its hash in the store so any instance accepts it; signed out after
 * CONSOLE_SESSION_IDLE_MS unused. Each session has a CSRF token the page sends back in
 * `X-CSRF-Token` on every state-changing request. Failed sign-ins are limited per account and
 * per address, counted in the store (several instances share the count).
 */
export const COOKIE = 'sb_console';
export const CSRF_HEADER = 'x-csrf-token';

export const LIMITS = {
  windowMs: 15 * 60_000,
  /** Failures per account in a window: then that account is refused until the window ends. */
  perAccount: 5,
  /** Failures per address in a window (an address trying many names). */
  perAddress: 20,
};

/** Who is acting: a signed-in operator, or the ADMIN_TOKEN bearer (no account: id null). */
export interface Actor {
  id: number | null;
  name: string;
  role: Operator['role'];
}
export const TOKEN_ACTOR: Actor = { id: null, name: 'admin token', role: 'admin' };

/** Who made this request: the signed-in operator, or the admin token. */
export const actorOf = (res: { locals: Record<string, unknown> }): Actor => (res.locals.actor as Actor | undefined) ?? TOKEN_ACTOR;

const digest = (token: string) => createHash('sha256').update(token).digest('hex');
const token = () => randomBytes(32).toString('base64url');

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

function cookie(config: Config, value: string, maxAgeSeconds?: number): string {
  const secure = config.PUBLIC_URL?.startsWith('https:') ? '; Secure' : '';
  const age = maxAgeSeconds === undefined ? '' : `; Max-Age=${maxAgeSeconds}`;
  return `${COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax${secure}${age}`;
}

export type LoginResult =
  | { ok: true; operator: Operator; csrf: string; setCookie: string }
  | { ok: false; status: 401 | 429; error: string; retryAfterSeconds?: number };

export class Sessions {
  constructor(
    private readonly store: ConsoleStore,
    private readonly config: Config,
  ) {}

  private idleSince = () => new Date(Date.now() - this.config.CONSOLE_SESSION_IDLE_MS).toISOString();
  private windowSince = () => new Date(Date.now() - LIMITS.windowMs).toISOString();

  async login(name: string, password: string, address: string): Promise<LoginResult> {
    const keys = { account: `account:${name.toLowerCase()}`, address: `address:${address}` };
    const since = this.windowSince();
    const [account, fromAddress] = await Promise.all([this.store.loginFailures(keys.account, since), this.store.loginFailures(keys.address, since)]);
    const locked = (f: typeof account, max: number) => f && f.failures >= max;
    if (locked(account, LIMITS.perAccount) || locked(fromAddress, LIMITS.perAddress)) {
      const started = Math.min(...[account, fromAddress].filter((f) => f).map((f) => Date.parse(f!.windowStartedAt)));
      const retryAfterSeconds = Math.max(1, Math.ceil((started + LIMITS.windowMs - Date.now()) / 1000));
      return { ok: false, status: 429, error: 'too many failed sign-ins; try again later', retryAfterSeconds };
    }
    const found = await this.store.findOperator(name);
    const ok = await passwordMatches(found?.passwordHash ?? (await decoyHash()), password);
    if (!found || !ok) {
      await this.store.countLoginFailure(keys.account, since);
      await this.store.countLoginFailure(keys.address, since);
      return { ok: false, status: 401, error: 'wrong name or password' };
    }
    await this.store.clearLoginFailures(keys.account);
    // Sign-ins are rare: the moment to drop sessions and failure counts nobody can use any more.
    await this.store.pruneSessions(this.idleSince(), since);
    const t = token();
    const csrf = token();
    await this.store.createSession({ id: digest(t), operatorId: found.id, csrf });
    await this.store.audit({ operatorId: found.id, operatorName: found.name, action: 'signed in', detail: { address } });
    const { passwordHash: _, ...operator } = found;
    return { ok: true, operator, csrf, setCookie: cookie(this.config, t) };
  }

  async logout(req: Request): Promise<string> {
    const t = readCookie(req, COOKIE);
    if (t) await this.store.endSession(digest(t));
    return cookie(this.config, '', 0);
  }

  /** The session the request's cookie names, when it is still live. */
  async current(req: Request): Promise<{ operator: Operator; csrf: string } | undefined> {
    const t = readCookie(req, COOKIE);
    if (!t) return undefined;
    return this.store.useSession(digest(t), this.idleSince());
  }

  /**
   * For /api/*: a request with a live session cookie acts as its operator (res.locals.actor), a
   * state-changing one only with the session's CSRF token. Without a cookie the admin API's bearer
   * check decides. Admin-only routes answer 403 to an `operator`.
   */
  middleware(adminOnly: RegExp) {
    return async (req: Request, res: Response, next: NextFunction) => {
      if (!readCookie(req, COOKIE) || /^bearer\s/i.test(String(req.headers.authorization ?? ''))) return next();
      const s = await this.current(req);
      if (!s) return res.status(401).json({ error: 'signed out (session expired); sign in again' });
      if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && !sameToken(String(req.headers[CSRF_HEADER] ?? ''), s.csrf)) {
        return res.status(403).json({ error: `missing or wrong ${CSRF_HEADER} header` });
      }
      if (s.operator.role !== 'admin' && adminOnly.test(req.baseUrl + req.path)) return res.status(403).json({ error: 'admins only' });
      res.locals.actor = { id: s.operator.id, name: s.operator.name, role: s.operator.role } satisfies Actor;
      res.locals.csrf = s.csrf;
      next();
    };
  }
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

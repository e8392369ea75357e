import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type Response } from 'express';
import type { Logger } from 'winston';
import { packageRoot } from '../base/paths';
import type { Config } from '../config/env';
import { consoleStoreOf } from '../store/console';
import type { Store } from '../store/types';
import { ChangeFeed } from './events';
import { consoleRoutes } from './routes';
import { Sessions } from './sessions';
import { deadLetterRoutes } from './dead-letters';

/**
 * The operator console: the page at /console (built by scripts/build.mjs from src/console-ui/
 * into dist/console/, served from this process on the same port), sign-in, and its JSON routes.
 *
 * - `front` goes before the admin API: the page, its assets, sign-in and sign-out, and the
 *   session check that lets a signed-in operator use /api/* without the bearer token.
 * - `api` is mounted by the admin router after its own check (src/admin/api.ts).
 */
export const ADMIN_ONLY = /^\/api\/(deliveries|console\/audit)(\/|$)/;

export function createConsole(deps: { config: Config; store: Store; log: Logger; providers: string[] }) {
  const { config, store, log } = deps;
  const cs = consoleStoreOf(store);
  const sessions = new Sessions(cs, config);
  const feed = new ChangeFeed(cs, log.child({ component: 'console' }));
  const assets = join(packageRoot, 'dist', 'console');

  const front = express.Router();
  front.post('/api/console/login', express.json({ limit: '8kb' }), async (req: Request, res: Response) => {
    const name = typeof req.body?.name === 'string' ? req.body.name.trim() : '';
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    if (!name || !password) return res.status(400).json({ error: 'name and password are required' });
    const out = await sessions.login(name, password, req.ip ?? req.socket.remoteAddress ?? '?');
    if (!out.ok) {
      if (out.retryAfterSeconds) res.set('Retry-After', String(out.retryAfterSeconds));
      log.warn('console sign-in refused', { operator: name, address: req.ip, status: out.status });
      return res.status(out.status).json({ error: out.error });
    }
    res.set('Set-Cookie', out.setCookie).json({ actor: { id: out.operator.id, name: out.operator.name, role: out.operator.role }, csrfToken: out.csrf });
  });
  front.post('/api/console/logout', async (req, res) => {
    res.set('Set-Cookie', await sessions.logout(req)).json({ ok: true });
  });
  front.use(sessions.middleware(ADMIN_ONLY));

  // The page: every /console/… path is the same document (the views route in the browser).
  const page = (_req: Request, res: Response) => {
    const index = join(assets, 'index.html');
    if (!existsSync(index)) return res.status(503).type('text').send('The console is not built: run `npm run build`.');
    res
      .set('Cache-Control', 'no-store')
      .set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
      .set('X-Content-Type-Options', 'nosniff')
      .type('html')
      .send(readFileSync(index));
  };
  front.use('/console/assets', express.static(join(assets, 'assets'), { immutable: true, maxAge: '1y', index: false }));
  front.get('/console', page);
  front.get('/console/{*rest}', page);

  const api = express.Router();
  // With the handoff bot's Telegram operators working too, each side sees what the other writes.
  const operatorChat =
    config.TELEGRAM_OPERATOR_CHAT_ID && deps.providers.includes('telegram')
      ? { provider: 'telegram', externalId: config.TELEGRAM_OPERATOR_CHAT_ID }
      : undefined;
  api.use(consoleRoutes({ store, console: cs, feed, providers: deps.providers, operatorChat }));
  api.use(deadLetterRoutes({ store, console: cs }));

  return { front, api, stop: () => feed.stop() };
}

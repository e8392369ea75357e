import type { DispatchEvent, Message } from '../model';
import { type Action, type Bot, type Context, type Handler, matches } from './define';

/** Which of a bot's handlers an event runs, and the middleware chain around them. */

export function handlersFor(
  bot: Bot<any, any>,
  { d, message, provider }: { d: { event: DispatchEvent }; message: Message | undefined; provider: string | undefined },
): Handler[] {
  if (d.event.type === 'message' && !message) return [];
  const hs: Handler[] = [];
  const own = { status: bot.onStatus, presence: bot.onPresence, session: bot.onSession, edited: bot.onEdit, message: undefined }[d.event.type];
  if (own) hs.push(own as Handler); // `filter` is onMessage's; routes decide where the others run
  if (d.event.type === 'message' && bot.onMessage && matches(bot.filter, d.event, message, provider)) hs.push(bot.onMessage as Handler);
  for (const h of bot.on ?? []) if (matches(h.filter, d.event, message, provider)) hs.push(h.handler as Handler);
  return hs;
}

export function actionHandlers(bot: Bot<any, any>, action: Action): Handler[] {
  const h = bot.onAction?.[action.name] ?? bot.onAction?.['*'];
  return h ? [h as Handler] : [];
}

/** Middleware chain then the handlers, koa/telegraf style: each middleware calls next() to go on. */
export function compose(middleware: ((ctx: Context, next: () => Promise<void>) => unknown)[], handlers: Handler[]) {
  return async (ctx: Context) => {
    let index = -1;
    const step = async (i: number): Promise<void> => {
      if (i <= index) throw new Error('next() called twice');
      index = i;
      if (i < middleware.length) {
        await middleware[i]!(ctx, () => step(i + 1));
        return;
      }
      for (const h of handlers) await h(ctx);
    };
    await step(0);
  };
}

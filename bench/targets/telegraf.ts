import { Telegraf } from 'telegraf';
import { message } from 'telegraf/filters';

/**
 * (b) What a user writes without Switchboard: a telegraf echo bot in webhook mode, no storage.
 * webhookReply is off so the reply is a real sendMessage call to the (fake) Bot API, as
 * Switchboard's is; with telegraf's default (on) the reply would ride back in the webhook's
 * answer and Telegram, not the bot, would do the sending.
 */
const bot = new Telegraf(process.env.TELEGRAM_BOT_TOKEN!, { telegram: { apiRoot: process.env.TELEGRAM_API_ROOT!, webhookReply: false } });
bot.on(message('text'), (ctx) => ctx.reply(ctx.message.text));
await bot.launch({
  webhook: {
    domain: '127.0.0.1',
    port: Number(process.env.PORT),
    host: '127.0.0.1',
    path: process.env.HOOK_PATH!,
    secretToken: process.env.TELEGRAM_WEBHOOK_SECRET,
  },
});
process.once('SIGTERM', () => {
  bot.stop('SIGTERM');
  process.exit(0);
});

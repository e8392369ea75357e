import { defineBot } from 'switchboard';

export default defineBot({
  name: 'hours',
  filter: { kind: 'text', text: /\b(hours|open)\b/i },
  async onMessage(ctx) {
    await ctx.reply('We are open Monday to Friday, 9:00 to 18:00.');
  },
});

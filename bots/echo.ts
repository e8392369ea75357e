import { defineBot } from 'switchboard';

/** Replies with the inbound text. */
export default defineBot({
  name: 'echo',
  description: 'Replies with the text it receives',
  filter: { kind: 'text' },
  async onMessage(ctx) {
    if (ctx.message?.text) await ctx.reply(ctx.message.text);
  },
});

import { defineBot } from 'switchboard';

/** Asks before it books: buttons on Telegram, numbered options elsewhere. */
export default defineBot({
  name: 'confirm',
  description: 'Asks "Book it?" with Yes / No buttons and answers the press',
  filter: { kind: 'text', text: 'book' },
  async onMessage(ctx) {
    await ctx.reply('Book it?', {
      buttons: [
        [
          { text: 'Yes', action: 'yes' },
          { text: 'No', action: 'no' },
        ],
      ],
    });
  },
  onAction: {
    yes: (ctx) => ctx.reply('Booked.'),
    no: (ctx) => ctx.reply('Cancelled.'),
  },
});

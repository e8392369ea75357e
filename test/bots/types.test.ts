import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineBot, type Context, type Message } from 'switchboard';

describe('defineBot types', () => {
  it('types ctx.options from the zod schema and ctx.state from the generic', () => {
    const bot = defineBot<{ count?: number }, { greeting: string; times: number }>({
      name: 'typed',
      options: z.object({ greeting: z.string().default('hi'), times: z.number().default(1) }),
      async onMessage(ctx) {
        expectTypeOf(ctx.options.greeting).toEqualTypeOf<string>();
        expectTypeOf(ctx.state.count).toEqualTypeOf<number | undefined>();
        expectTypeOf(ctx.message).toEqualTypeOf<Message | undefined>();
        expectTypeOf(ctx.history).returns.resolves.toEqualTypeOf<Message[]>();
      },
    });
    expectTypeOf(bot.onMessage).parameter(0).toEqualTypeOf<Context<{ count?: number }, { greeting: string; times: number }>>();
  });

  it('infers the options type from the schema alone', () => {
    defineBot({
      name: 'inferred',
      options: z.strictObject({ file: z.string().default('config/faq.json') }),
      onMessage(ctx) {
        expectTypeOf(ctx.options).toEqualTypeOf<{ file: string }>();
      },
    });
  });
});
